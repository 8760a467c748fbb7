#include "client/consentctl/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::consentctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Every record of `text`: its fields, or "ERROR: message".
std::vector<std::vector<std::string>> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&fields);
    if (!more.ok()) {
      records.push_back({"ERROR: " + std::string(more.status().message())});
      continue;
    }
    if (!*more) break;
    records.push_back(fields);
  }
  return records;
}

TEST(CsvReaderTest, ReadsPlainRecords) {
  EXPECT_THAT(
      ReadAll("a,b,c\n1,2,3\n"),
      ElementsAre(ElementsAre("a", "b", "c"), ElementsAre("1", "2", "3")));
}

TEST(CsvReaderTest, HandlesCrlfAndAMissingFinalNewline) {
  EXPECT_THAT(ReadAll("a,b\r\n1,2"),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));
}

TEST(CsvReaderTest, SkipsAByteOrderMark) {
  EXPECT_THAT(ReadAll("\xEF\xBB\xBFname,phone\n"),
              ElementsAre(ElementsAre("name", "phone")));
}

TEST(CsvReaderTest, KeepsTheBytesOfWhatIsNoByteOrderMark) {
  // U+FF0C (EF BC 8C) and a stray EF BB begin like a byte-order mark.
  EXPECT_THAT(ReadAll("\xEF\xBC\x8C,b\n"),
              ElementsAre(ElementsAre("\xEF\xBC\x8C", "b")));
  EXPECT_THAT(ReadAll("\xEF\xBB,b\n"),
              ElementsAre(ElementsAre("\xEF\xBB", "b")));
  EXPECT_THAT(ReadAll("\xEF"), ElementsAre(ElementsAre("\xEF")));
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  EXPECT_THAT(
      ReadAll("\"Novak, Ana\",\"said \"\"no\"\"\",\"two\nlines\"\n"),
      ElementsAre(ElementsAre("Novak, Ana", "said \"no\"", "two\nlines")));
}

TEST(CsvReaderTest, EmptyFieldsAreKept) {
  EXPECT_THAT(ReadAll(",,\n"), ElementsAre(ElementsAre("", "", "")));
}

TEST(CsvReaderTest, MalformedRecordsNameTheirLineAndReadingGoesOn) {
  std::vector<std::vector<std::string>> records =
      ReadAll("a,b\n\"x\nstill x\",1\nbad\"quote,2\n\"closed\"junk,3\nok,4\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_THAT(records[1], ElementsAre("x\nstill x", "1"));
  EXPECT_THAT(records[2][0],
              HasSubstr("line 4: a quote inside an unquoted field"));
  EXPECT_THAT(records[3][0], HasSubstr("line 5: text after a closing quote"));
  EXPECT_THAT(records[4], ElementsAre("ok", "4"));
}

TEST(CsvReaderTest, AnUnclosedQuoteIsAnError) {
  std::vector<std::vector<std::string>> records =
      ReadAll("a\n\"never closed\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1][0],
              HasSubstr("line 2: a quoted field is never closed"));
}

TEST(CsvLineTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(
      CsvLine({"plain", "with,comma", "with \"quote\"", "two\nlines", ""}),
      "plain,\"with,comma\",\"with \"\"quote\"\"\",\"two\nlines\",\n");
}

TEST(CsvLineTest, WhatIsWrittenReadsBackTheSame) {
  std::vector<std::string> fields = {"Novak, Ana", "\"", "a\r\nb", "x"};
  EXPECT_THAT(ReadAll(CsvLine(fields)), ElementsAre(fields));
}

}  // namespace
}  // namespace consentd::consentctl
