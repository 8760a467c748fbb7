// E164Validator must give libphonenumber's answer exactly wherever it
// answers at all: differential tests over every region, every number type
// and a few hundred thousand generated numbers.
#include "identifiers/e164_validator.h"

#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"
#include "tests/testing/libphonenumber_reading.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

using testing::PhoneReading;

// libphonenumber's answer for `e164`, as IdentifierNormaliser asks it.
std::optional<PhoneReading> Reference(const std::string& e164) {
  return testing::LibphonenumberReading(e164, "ZZ");
}

class E164ValidatorTest : public ::testing::Test {
 protected:
  static const E164Validator& validator() {
    static const E164Validator* const shared = new E164Validator();
    return *shared;
  }

  // Checks the shortcut against libphonenumber for `e164`; counts what was
  // asked, what libphonenumber finds valid and what the shortcut answered.
  void ExpectAgreement(const std::string& e164) {
    ++asked_;
    const std::optional<PhoneReading> reference = Reference(e164);
    if (reference.has_value()) ++valid_;
    const std::optional<absl::string_view> region =
        validator().ValidRegion(e164);
    if (!region.has_value()) return;
    ++answered_;
    ASSERT_TRUE(reference.has_value())
        << e164 << ": the shortcut calls it valid, libphonenumber does not";
    EXPECT_EQ(reference->e164, e164) << "not canonical";
    EXPECT_EQ(reference->region, *region) << e164;
  }

  static std::vector<PhoneNumberUtil::PhoneNumberType> AllTypes() {
    return {PhoneNumberUtil::FIXED_LINE,
            PhoneNumberUtil::MOBILE,
            PhoneNumberUtil::TOLL_FREE,
            PhoneNumberUtil::PREMIUM_RATE,
            PhoneNumberUtil::SHARED_COST,
            PhoneNumberUtil::VOIP,
            PhoneNumberUtil::PERSONAL_NUMBER,
            PhoneNumberUtil::PAGER,
            PhoneNumberUtil::UAN,
            PhoneNumberUtil::VOICEMAIL};
  }

  // libphonenumber's example number of every type of every region and
  // non-geographic calling code, in E.164.
  static std::vector<std::string> ExampleNumbers() {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    std::vector<std::string> examples;
    auto add = [&](const PhoneNumber& number) {
      std::string e164;
      util.Format(number, PhoneNumberUtil::E164, &e164);
      examples.push_back(e164);
    };
    std::set<std::string> regions;
    util.GetSupportedRegions(&regions);
    for (const std::string& region : regions) {
      for (PhoneNumberUtil::PhoneNumberType type : AllTypes()) {
        PhoneNumber number;
        if (util.GetExampleNumberForType(region, type, &number)) add(number);
      }
    }
    std::set<int> global;
    util.GetSupportedGlobalNetworkCallingCodes(&global);
    for (int code : global) {
      PhoneNumber number;
      if (util.GetExampleNumberForNonGeoEntity(code, &number)) add(number);
    }
    return examples;
  }

  int asked_ = 0;
  int valid_ = 0;
  int answered_ = 0;
};

TEST_F(E164ValidatorTest, EveryCallingCodeIsCompiled) {
  std::set<int> codes;
  PhoneNumberUtil::GetInstance()->GetSupportedCallingCodes(&codes);
  EXPECT_EQ(validator().calling_code_count(), static_cast<int>(codes.size()));
}

TEST_F(E164ValidatorTest, ExampleNumbersOfEveryRegionAndType) {
  for (const std::string& example : ExampleNumbers()) {
    ExpectAgreement(example);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(valid_, 1000);
  // The shortcut is only worth having if it answers for most valid numbers.
  EXPECT_GT(answered_, valid_ * 9 / 10)
      << answered_ << " of " << valid_ << " valid examples answered";
}

TEST_F(E164ValidatorTest, NeighboursOfExampleNumbersAgree) {
  std::mt19937_64 random(20261123);
  for (const std::string& example : ExampleNumbers()) {
    // One digit changed, one added, one dropped: mostly invalid or of
    // another type, and near the patterns' edges.
    for (int i = 0; i < 8; ++i) {
      std::string changed = example;
      const size_t at = 2 + random() % (changed.size() - 2);
      changed[at] = static_cast<char>('0' + random() % 10);
      ExpectAgreement(changed);
    }
    ExpectAgreement(absl::StrCat(example, random() % 10));
    ExpectAgreement(example.substr(0, example.size() - 1));
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(answered_, 1000);
}

TEST_F(E164ValidatorTest, GeneratedNumbersOfEveryCallingCodeAgree) {
  std::set<int> code_set;
  PhoneNumberUtil::GetInstance()->GetSupportedCallingCodes(&code_set);
  const std::vector<int> codes(code_set.begin(), code_set.end());
  std::mt19937_64 random(7);
  for (int i = 0; i < 150000; ++i) {
    std::string e164 = absl::StrCat("+", codes[random() % codes.size()]);
    const size_t length = 8 + random() % 9;  // 7-15 digits after the "+"
    while (e164.size() < length) {
      e164.push_back(static_cast<char>('0' + random() % 10));
    }
    ExpectAgreement(e164);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(valid_, 1000);
  EXPECT_GT(answered_, valid_ / 2);
}

TEST_F(E164ValidatorTest, ANationalPrefixIsLeftToLibphonenumber) {
  // Germany's trunk prefix written after the country code: libphonenumber
  // drops it (+4930123456), so the input is not canonical. (The generated
  // numbers above are what catch a shortcut that ignores national
  // prefixes; this one is the case that motivated the rule.)
  EXPECT_EQ(validator().ValidRegion("+49030123456"), std::nullopt);
  ASSERT_TRUE(Reference("+49030123456").has_value());
  EXPECT_EQ(Reference("+49030123456")->e164, "+4930123456");
}

TEST_F(E164ValidatorTest, RegionsSharingACallingCodeAreTold) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  for (const char* region : {"CA", "JE", "KZ"}) {
    PhoneNumber number;
    ASSERT_TRUE(
        util.GetExampleNumberForType(region, PhoneNumberUtil::MOBILE, &number));
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    EXPECT_EQ(validator().ValidRegion(e164), region) << e164;
  }
}

TEST_F(E164ValidatorTest, AnswersForEverydayNumbers) {
  EXPECT_EQ(validator().ValidRegion("+38631123456"), "SI");
  EXPECT_EQ(validator().ValidRegion("+442079460000"), "GB");
  EXPECT_EQ(validator().ValidRegion("+12015550123"), "US");
  EXPECT_EQ(validator().ValidRegion("+80012345678"), "001");
}

TEST_F(E164ValidatorTest, LeavesEverythingElseToLibphonenumber) {
  for (const char* input :
       {"+386 31 123 456", "38631123456", "+0386311234", "+3863112", "+1",
        "+3863112345678901", "+38631I23456", "+999123456789"}) {
    EXPECT_EQ(validator().ValidRegion(input), std::nullopt) << input;
  }
}

}  // namespace
}  // namespace consentd::identifiers
