// DigitPattern must match exactly what RE2 matches: hand-written cases for
// each piece of syntax, and a differential test over every pattern in
// libphonenumber's metadata (and each region's number types as the one
// alternation E164Validator matches), against that metadata's example
// numbers, their near misses and random digits.
#include "identifiers/digit_pattern.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "identifiers/phone_metadata.h"
#include "phonenumbers/phonemetadata.pb.h"
#include "re2/re2.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;

bool Re2Matches(const re2::RE2& re, const std::string& text,
                re2::RE2::Anchor anchor) {
  return re.Match(text, 0, text.size(), anchor, nullptr, 0);
}

// Compares both kinds of match on `texts`; returns how many matched whole.
int ExpectSameAsRe2(const std::string& pattern,
                    const std::vector<std::string>& texts) {
  re2::RE2 re(pattern);
  EXPECT_TRUE(re.ok()) << pattern;
  absl::StatusOr<DigitPattern> compiled = DigitPattern::Compile(pattern);
  EXPECT_TRUE(compiled.ok()) << pattern << ": " << compiled.status();
  if (!re.ok() || !compiled.ok()) return 0;
  int whole = 0;
  for (const std::string& text : texts) {
    const bool expected = Re2Matches(re, text, re2::RE2::ANCHOR_BOTH);
    EXPECT_EQ(compiled->MatchesWhole(text), expected)
        << "pattern " << pattern << ", text '" << text << "'";
    EXPECT_EQ(compiled->MatchesAtStart(text),
              Re2Matches(re, text, re2::RE2::ANCHOR_START))
        << "pattern " << pattern << ", text '" << text << "'";
    whole += expected;
  }
  return whole;
}

TEST(DigitPatternTest, EachPieceOfSyntaxMatchesAsInRe2) {
  const std::vector<std::string> texts = {
      "",     "0",    "1",        "12",        "123",       "1234",
      "2345", "9999", "0123456",  "2345678",   "23456789",  "1234567",
      "55",   "555",  "5555",     "55555",     "555555",    "1a",
      "a1",   "12 3", "+123",     "11111111",  "18312",     "183",
      "0111", "01",   "06012345", "061234567", "6012345678"};
  for (const char* pattern : {"1",
                              "\\d",
                              "\\d{3}",
                              "[2-57]\\d",
                              "[\\d]",
                              "1|23",
                              "(?:1|23)4",
                              "(1|2)3",
                              "5?",
                              "5*",
                              "5+",
                              "5{2}",
                              "5{2,}",
                              "5{2,4}",
                              "5{2,4}?",
                              "1??",
                              "(?:)",
                              "1|",
                              "1|([2-9]\\d{6})$",
                              "0|(183[12])",
                              "0(1\\d)?",
                              "([0-258]\\d{4})$",
                              "0(11\\d{6}|6[256]\\d{6})",
                              "1$",
                              "$",
                              "1$2",
                              "(?:1(?:2|3)?){2,3}",
                              "[1-1]",
                              "[0-9][0-9]?"}) {
    ExpectSameAsRe2(pattern, texts);
  }
}

TEST(DigitPatternTest, RefusesWhatItDoesNotSupport) {
  for (const char* pattern :
       {"a",     ".",     "\\w",  "\\",     "[",       "[]",    "[^1]",
        "[a-z]", "[3-1]", "(",    ")",      "1)",      "(?=1)", "1**",
        "1+?+",  "1{",    "1{x}", "1{3,2}", "1{1001}", "^1",    " 1"}) {
    EXPECT_FALSE(DigitPattern::Compile(pattern).ok()) << pattern;
  }
}

TEST(DigitPatternTest, RefusesAnAutomatonPastItsBound) {
  // The n-th digit from the end is a 1: 2^n states for any automaton.
  EXPECT_FALSE(DigitPattern::Compile("\\d*1\\d{17}").ok());
  EXPECT_TRUE(DigitPattern::Compile("\\d*1\\d{3}").ok());
}

// A region's number types: every description but the general one.
std::vector<const PhoneNumberDesc*> NumberTypes(const PhoneMetadata& metadata) {
  return {&metadata.fixed_line(),  &metadata.mobile(),
          &metadata.toll_free(),   &metadata.premium_rate(),
          &metadata.shared_cost(), &metadata.personal_number(),
          &metadata.voip(),        &metadata.pager(),
          &metadata.uan(),         &metadata.voicemail()};
}

// Texts for the patterns of one region: its example numbers, each with
// every digit changed in turn, cut short and lengthened, and random digits.
std::vector<std::string> Texts(const PhoneMetadata& metadata,
                               std::mt19937_64& random) {
  std::set<std::string> examples;
  std::vector<const PhoneNumberDesc*> descs = NumberTypes(metadata);
  descs.push_back(&metadata.general_desc());
  for (const PhoneNumberDesc* desc : descs) {
    if (!desc->example_number().empty()) {
      examples.insert(desc->example_number());
    }
  }
  std::vector<std::string> texts;
  for (const std::string& example : examples) {
    for (size_t length = 0; length <= example.size(); ++length) {
      texts.push_back(example.substr(0, length));
    }
    for (char d = '0'; d <= '9'; ++d) texts.push_back(example + d);
    for (size_t i = 0; i < example.size(); ++i) {
      for (char d = '0'; d <= '9'; ++d) {
        std::string changed = example;
        changed[i] = d;
        texts.push_back(changed);
      }
    }
  }
  for (int i = 0; i < 300; ++i) {
    std::string digits(1 + random() % 17, '0');
    for (char& c : digits) c = static_cast<char>('0' + random() % 10);
    texts.push_back(digits);
  }
  return texts;
}

TEST(DigitPatternTest, MatchesAsRe2OnEveryMetadataPattern) {
  PhoneMetadataCollection collection;
  ASSERT_TRUE(ParseCompiledPhoneMetadata(&collection));
  std::mt19937_64 random(20261130);
  int patterns = 0, matched = 0, largest = 0;
  for (const PhoneMetadata& metadata : collection.metadata()) {
    const std::vector<std::string> texts = Texts(metadata, random);
    std::vector<std::string> region_patterns = {
        metadata.leading_digits(), metadata.national_prefix_for_parsing(),
        metadata.general_desc().national_number_pattern()};
    // E164Validator also matches the number types as one alternation.
    std::string types;
    for (const PhoneNumberDesc* type : NumberTypes(metadata)) {
      const std::string& pattern = type->national_number_pattern();
      if (pattern.empty()) continue;
      region_patterns.push_back(pattern);
      if (!types.empty()) types += '|';
      types += "(?:" + pattern + ")";
    }
    region_patterns.push_back(types);
    for (const std::string& pattern : region_patterns) {
      if (pattern.empty()) continue;
      ++patterns;
      matched += ExpectSameAsRe2(pattern, texts);
      absl::StatusOr<DigitPattern> compiled = DigitPattern::Compile(pattern);
      if (compiled.ok()) largest = std::max(largest, compiled->state_count());
    }
  }
  // The test means something only if the example numbers match.
  EXPECT_GT(patterns, 1000);
  EXPECT_GT(matched, 5000);
  // What kMaxStates leaves room for: the tables stay small.
  EXPECT_LT(largest, DigitPattern::kMaxStates / 16);
}

}  // namespace
}  // namespace consentd::identifiers
