// consentd's faults, each against a real consentd: a clear error, and
// nothing acknowledged lost. (A lost write-ahead log, a rolled-back store, a
// wrong or readable keyring and a file that is no store are in
// consentd_integration_test.cc.)
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/run_program.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using testing::ConsentdProcess;
using testing::Email;
using ::testing::HasSubstr;

consent::v1::RecordObjectionRequest ObjectionFor(const std::string& email) {
  consent::v1::RecordObjectionRequest request;
  *request.add_identifiers() = Email(email);
  request.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  return request;
}

class FaultsTest : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.File("data"); }
  std::string store() const { return data_dir() + "/consentd.db"; }

  ConsentdProcess StartOrDie() {
    absl::StatusOr<ConsentdProcess> server = ConsentdProcess::Start(data_dir());
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) std::abort();
    return *std::move(server);
  }

  testing::ProgramResult RunToExit() {
    return ConsentdProcess::RunToExit(
        {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  }

  // Records `count` objections, r0@… to r<count-1>@…, all acknowledged.
  void RecordAll(const ConsentdProcess& server, int count) {
    client::ConsentClient client(server.address());
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(client
                      .RecordObjection(
                          ObjectionFor(absl::StrCat("r", i, "@example.si")))
                      .ok());
    }
  }

  // Which of `emails` the server no longer denies.
  static std::vector<std::string> Forgotten(
      const ConsentdProcess& server, const std::vector<std::string>& emails) {
    client::ConsentClient client(server.address());
    std::vector<std::string> forgotten;
    for (const std::string& email : emails) {
      consent::v1::CheckRequest check;
      *check.add_identifiers() = Email(email);
      check.set_purpose("marketing");
      check.set_channel("email");
      absl::StatusOr<consent::v1::CheckResponse> answer = client.Check(check);
      if (!answer.ok() || answer->decision().reason() !=
                              consent::v1::DECISION_REASON_OBJECTION) {
        forgotten.push_back(email);
      }
    }
    return forgotten;
  }

  testing::TempDir dir_;
};

TEST_F(FaultsTest, AFullDiskFailsTheWriteClearlyAndLosesNothingAcknowledged) {
  ConsentdProcess server = StartOrDie();
  RecordAll(server, 20);
  // The disk fills up: no file of consentd's may grow past what it holds.
  const auto size = [](const std::string& file) -> uintmax_t {
    std::error_code ignored;
    uintmax_t bytes = std::filesystem::file_size(file, ignored);
    return ignored ? 0 : bytes;
  };
  const rlim_t full = std::max(size(store()), size(store() + "-wal"));
  // The soft limit only: raising it back needs no privilege.
  const struct rlimit limit = {full, RLIM_INFINITY};
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &limit, nullptr), 0);

  client::ConsentClient client(server.address());
  std::vector<std::string> acknowledged;
  absl::Status failure;
  for (int i = 0; i < 2000 && failure.ok(); ++i) {
    const std::string email = absl::StrCat("full-", i, "@example.si");
    absl::StatusOr<consent::v1::RecordObjectionResponse> written =
        client.RecordObjection(ObjectionFor(email));
    if (written.ok()) {
      acknowledged.push_back(email);
    } else {
      failure = written.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "2000 writes fit in a full disk";
  EXPECT_TRUE(absl::IsResourceExhausted(failure) ||
              absl::IsUnavailable(failure))
      << failure;
  EXPECT_THAT(failure.message(), HasSubstr("store"));

  // Room again: writes go on, and after a restart nothing is missing.
  const struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &unlimited, nullptr), 0);
  ASSERT_TRUE(client.RecordObjection(ObjectionFor("after@example.si")).ok());
  acknowledged.push_back("after@example.si");
  EXPECT_EQ(server.Stop(), 0) << server.log();
  ConsentdProcess restarted = StartOrDie();
  for (int i = 0; i < 20; ++i) {
    acknowledged.push_back(absl::StrCat("r", i, "@example.si"));
  }
  EXPECT_THAT(Forgotten(restarted, acknowledged), ::testing::IsEmpty());
}

TEST_F(FaultsTest, ATruncatedStoreDoesNotStart) {
  {
    ConsentdProcess server = StartOrDie();
    RecordAll(server, 200);
    ASSERT_EQ(server.Stop(), 0);
  }
  const uintmax_t size = std::filesystem::file_size(store());
  std::filesystem::resize_file(store(), size / 2);
  testing::ProgramResult result = RunToExit();
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("store"));
  EXPECT_THAT(result.stderr_text, HasSubstr("restore a backup"));
}

TEST_F(FaultsTest, ABitFlippedPageDoesNotStart) {
  {
    ConsentdProcess server = StartOrDie();
    RecordAll(server, 200);
    ASSERT_EQ(server.Stop(), 0);
  }
  const uintmax_t size = std::filesystem::file_size(store());
  {
    std::fstream file(store(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(size / 2));
    char byte = 0;
    file.get(byte);
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.put(static_cast<char>(byte ^ 0x10));
  }
  testing::ProgramResult result = RunToExit();
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("restore a backup"));
}

TEST_F(FaultsTest, ATruncatedWriteAheadLogDoesNotStart) {
  {
    ConsentdProcess server = StartOrDie();
    RecordAll(server, 50);
    server.Kill();  // the writes are in the WAL only
  }
  const std::string wal = store() + "-wal";
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) / 2);
  testing::ProgramResult result = RunToExit();
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("write-ahead log"));
}

TEST_F(FaultsTest, APolicyWithErrorsIsRefusedAtStartWithItsLine) {
  std::ofstream(dir_.File("policy.textproto"))
      << "version: \"p1\"\npurposes { name: \"marketing\" \n}\nbogus: 1\n";
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev", "--policy",
       dir_.File("policy.textproto")});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("line 4"));
  EXPECT_FALSE(std::filesystem::exists(store())) << "nothing was created";
}

// The data directory and its files read-only to consentd's user (root
// ignores file modes, so consentd runs as nobody here): it refuses to
// start, saying why, and the store is as it was.
TEST_F(FaultsTest, AReadOnlyDataDirectoryIsRefusedAndLeftAsItWas) {
  {
    ConsentdProcess server = StartOrDie();
    RecordAll(server, 5);
    ASSERT_EQ(server.Stop(), 0);
  }
  namespace fs = std::filesystem;
  const auto read_only = [](const fs::path& path, fs::perms perms) {
    ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
    fs::permissions(path, perms);
  };
  ASSERT_NO_FATAL_FAILURE(read_only(dir_.path(), fs::perms::owner_read |
                                                     fs::perms::owner_exec |
                                                     fs::perms::others_exec));
  for (const fs::directory_entry& entry : fs::directory_iterator(data_dir())) {
    ASSERT_NO_FATAL_FAILURE(read_only(entry.path(), fs::perms::owner_read));
  }
  ASSERT_NO_FATAL_FAILURE(
      read_only(data_dir(), fs::perms::owner_read | fs::perms::owner_exec));
  const std::string before = testing::ReadFileOrEmpty(store());
  testing::ProgramResult result = testing::RunProgram(
      "/usr/bin/setpriv",
      {"--reuid=65534", "--regid=65534", "--clear-groups", CONSENTD_BINARY,
       "--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  EXPECT_EQ(result.code, 1) << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr("Permission denied"));
  EXPECT_EQ(testing::ReadFileOrEmpty(store()), before);

  // Writable again (as root): everything is there.
  fs::permissions(data_dir(), fs::perms::owner_all);
  fs::permissions(dir_.path(), fs::perms::owner_all);
  for (const fs::directory_entry& entry : fs::directory_iterator(data_dir())) {
    fs::permissions(entry.path(),
                    fs::perms::owner_read | fs::perms::owner_write);
  }
  ConsentdProcess server = StartOrDie();
  std::vector<std::string> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(absl::StrCat("r", i, "@example.si"));
  EXPECT_THAT(Forgotten(server, all), ::testing::IsEmpty());
}

TEST_F(FaultsTest, ASecondConsentdOnTheSameDirectoryIsRefused) {
  ConsentdProcess first = StartOrDie();
  RecordAll(first, 5);
  testing::ProgramResult second = RunToExit();
  EXPECT_EQ(second.code, 1);
  EXPECT_THAT(second.stderr_text, HasSubstr("in use by another process"));
  // The first goes on serving what it had.
  std::vector<std::string> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(absl::StrCat("r", i, "@example.si"));
  EXPECT_THAT(Forgotten(first, all), ::testing::IsEmpty());
}

}  // namespace
}  // namespace consentd
