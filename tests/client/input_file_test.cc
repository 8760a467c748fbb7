#include "client/consentctl/input_file.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace consentd::consentctl {
namespace {

TEST(InputFileTest, AMissingFileIsNotFound) {
  consentd::testing::TempDir dir;
  const std::string path = dir.File("no-such-input.txt");
  EXPECT_EQ(OpenInput(path).status(),
            absl::NotFoundError("cannot read " + path));
}

TEST(InputFileTest, ANamedFileIsRead) {
  consentd::testing::TempDir dir;
  const std::string path = dir.File("input.txt");
  std::ofstream(path) << "first line\n";
  absl::StatusOr<std::unique_ptr<std::istream>> in = OpenInput(path);
  ASSERT_TRUE(in.ok()) << in.status();
  std::string line;
  ASSERT_TRUE(std::getline(**in, line));
  EXPECT_EQ(line, "first line");
}

TEST(InputFileTest, DashReadsStandardInput) {
  std::istringstream typed("typed line\n");
  std::streambuf* const standard_input = std::cin.rdbuf(typed.rdbuf());
  absl::StatusOr<std::unique_ptr<std::istream>> in = OpenInput("-");
  std::cin.rdbuf(standard_input);
  ASSERT_TRUE(in.ok()) << in.status();
  std::string line;
  ASSERT_TRUE(std::getline(**in, line));
  EXPECT_EQ(line, "typed line");
}

TEST(EntryReaderTest, SkipsBlankLinesAndCommentsAndCountsEveryLine) {
  std::istringstream in("# a comment\n\n  first entry \n\t\nsecond\n#\n");
  EntryReader entries(in);
  std::optional<absl::string_view> entry = entries.Next();
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(*entry, "first entry");
  EXPECT_EQ(entries.line_number(), 3);
  entry = entries.Next();
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(*entry, "second");
  EXPECT_EQ(entries.line_number(), 5);
  EXPECT_FALSE(entries.Next().has_value());
}

TEST(EntryReaderTest, AnInputOfCommentsHasNoEntries) {
  std::istringstream in("# only\n   \n# comments\n");
  EntryReader entries(in);
  EXPECT_FALSE(entries.Next().has_value());
  EXPECT_EQ(entries.line_number(), 3);
}

}  // namespace
}  // namespace consentd::consentctl
