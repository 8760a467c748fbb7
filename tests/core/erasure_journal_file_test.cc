// The erasure journal file: what it keeps across restarts, and every way a
// file holder without the key could change it being caught.
#include "service/core/erasure_journal_file.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/run_program.h"
#include "tests/testing/secret_keys.h"
#include "tests/testing/temp_dir.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class ErasureJournalFileTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.File("erasure-journal"); }

  absl::StatusOr<std::unique_ptr<ErasureJournalFile>> Open(int key = 1) {
    return ErasureJournalFile::Open(path(), testing::SecretKeyOf(key));
  }

  static JournalledErasure Erasure(int64_t us, const std::string& request,
                                   std::vector<uint8_t> fills) {
    JournalledErasure erasure;
    erasure.erased_us = us;
    erasure.request_id = request;
    for (uint8_t fill : fills) {
      crypto::Digest digest;
      digest.fill(fill);
      erasure.digests.push_back(digest);
    }
    return erasure;
  }

  // Three erasures written and the file closed.
  void WriteThree() {
    auto journal = Open();
    ASSERT_TRUE(journal.ok()) << journal.status();
    ASSERT_TRUE((*journal)->Append(Erasure(10, "dsr-a", {1, 2})).ok());
    ASSERT_TRUE((*journal)->Append(Erasure(20, "dsr-b", {3})).ok());
    ASSERT_TRUE((*journal)->Append(Erasure(30, "dsr-c", {4, 5, 6})).ok());
  }

  std::vector<std::string> Lines() {
    std::vector<std::string> lines =
        absl::StrSplit(testing::ReadFileOrEmpty(path()), '\n');
    lines.pop_back();  // after the last newline
    return lines;
  }

  void WriteLines(const std::vector<std::string>& lines) {
    std::ofstream(path(), std::ios::trunc)
        << absl::StrJoin(lines, "\n") << (lines.empty() ? "" : "\n");
  }

  testing::TempDir dir_;
};

TEST_F(ErasureJournalFileTest, ErasuresSurviveAReopenInOrder) {
  WriteThree();
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status();
  std::vector<JournalledErasure> erasures = (*journal)->erasures();
  ASSERT_EQ(erasures.size(), 3u);
  EXPECT_EQ(erasures[0].request_id, "dsr-a");
  EXPECT_EQ(erasures[0].erased_us, 10);
  EXPECT_EQ(erasures[0].digests.size(), 2u);
  EXPECT_EQ(erasures[2].request_id, "dsr-c");
  EXPECT_EQ(erasures[2].digests[2][0], 6);
  // And appending goes on from the last line.
  ASSERT_TRUE((*journal)->Append(Erasure(40, "dsr-d", {7})).ok());
  journal->reset();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ((*Open())->erasures().size(), 4u);
}

TEST_F(ErasureJournalFileTest, TheFileIsOwnerOnlyAndHoldsNoIdentifier) {
  WriteThree();
  struct stat st;
  ASSERT_EQ(stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(Lines()[0], ::testing::StartsWith("erasure 10 dsr-a 0101"));
}

TEST_F(ErasureJournalFileTest, ATornLastLineIsCutAndTheRestKept) {
  WriteThree();
  std::string text = testing::ReadFileOrEmpty(path());
  std::ofstream(path(), std::ios::trunc) << text << "erasure 40 dsr-d 07";
  auto journal = Open();
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_EQ((*journal)->erasures().size(), 3u);
  EXPECT_EQ(testing::ReadFileOrEmpty(path()), text);
  ASSERT_TRUE((*journal)->Append(Erasure(40, "dsr-d", {7})).ok());
  journal->reset();
  EXPECT_EQ((*Open())->erasures().size(), 4u);
}

TEST_F(ErasureJournalFileTest, AnEditedLineIsCaughtAndNamed) {
  WriteThree();
  std::vector<std::string> lines = Lines();
  lines[1].replace(lines[1].find("dsr-b"), 5, "dsr-x");
  WriteLines(lines);
  absl::Status opened = Open().status();
  EXPECT_EQ(opened.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(opened.message(), HasSubstr("line 2 does not verify"));
}

TEST_F(ErasureJournalFileTest, ARemovedLineIsCaught) {
  WriteThree();
  std::vector<std::string> lines = Lines();
  lines.erase(lines.begin() + 1);
  WriteLines(lines);
  EXPECT_THAT(Open().status().message(), HasSubstr("line 2 does not verify"));
}

TEST_F(ErasureJournalFileTest, ReorderedLinesAreCaught) {
  WriteThree();
  std::vector<std::string> lines = Lines();
  std::swap(lines[0], lines[1]);
  WriteLines(lines);
  EXPECT_THAT(Open().status().message(), HasSubstr("line 1 does not verify"));
}

TEST_F(ErasureJournalFileTest, ALineForgedWithoutTheKeyIsCaught) {
  WriteThree();
  std::vector<std::string> lines = Lines();
  lines.push_back("erasure 50 dsr-e " + std::string(64, 'a') + " " +
                  std::string(64, 'b'));
  WriteLines(lines);
  EXPECT_THAT(Open().status().message(), HasSubstr("line 4 does not verify"));
}

TEST_F(ErasureJournalFileTest, AnotherKeyringReadsNothing) {
  WriteThree();
  absl::Status opened = Open(/*key=*/2).status();
  EXPECT_EQ(opened.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(opened.message(), HasSubstr("line 1"));
}

TEST_F(ErasureJournalFileTest, GarbageIsNotAnErasureRecord) {
  WriteLines({"hello world"});
  EXPECT_THAT(Open().status().message(),
              HasSubstr("line 1 is not an erasure record"));
}

TEST_F(ErasureJournalFileTest, ASecondProcessIsKeptOff) {
  auto first = Open();
  ASSERT_TRUE(first.ok());
  absl::Status second = Open().status();
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.message(), HasSubstr("in use"));
}

TEST_F(ErasureJournalFileTest, BadErasuresAreRefusedAndWriteNothing) {
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*journal)->Append(Erasure(1, "dsr-a", {})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)->Append(Erasure(1, "has space", {1})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)->Append(Erasure(1, "", {1})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)->Append(Erasure(1, std::string(129, 'r'), {1})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)
                ->Append(Erasure(1, "dsr-a", std::vector<uint8_t>(65, 1)))
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ReadFileOrEmpty(path()), "");
}

TEST_F(ErasureJournalFileTest, AFullDiskFailsTheAppendAndLeavesTheFileWhole) {
  WriteThree();
  const std::string before = testing::ReadFileOrEmpty(path());
  auto journal = Open();
  ASSERT_TRUE(journal.ok());
  // The file may grow by a few bytes only: the line cannot be written.
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = before.size() + 10;
  void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  absl::Status appended = (*journal)->Append(Erasure(40, "dsr-d", {7}));
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  signal(SIGXFSZ, saved_handler);
  EXPECT_EQ(appended.code(), absl::StatusCode::kResourceExhausted) << appended;
  EXPECT_EQ((*journal)->erasures().size(), 3u);
  EXPECT_EQ(testing::ReadFileOrEmpty(path()), before);
  // The next append chains from the last whole line.
  ASSERT_TRUE((*journal)->Append(Erasure(50, "dsr-e", {8})).ok());
  journal->reset();
  auto reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->erasures().back().request_id, "dsr-e");
}

}  // namespace
}  // namespace consentd::core
