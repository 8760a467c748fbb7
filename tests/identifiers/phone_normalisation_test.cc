// IdentifierNormaliser must read a phone number exactly as libphonenumber
// does (Parse with the region, IsValidNumber, Format E164,
// GetRegionCodeForNumber), however it gets there: a differential test over
// every region, in every format libphonenumber writes, and generated
// national numbers.
#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "identifiers/identifier_normaliser.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"
#include "tests/testing/libphonenumber_reading.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

using testing::LibphonenumberReading;
using testing::PhoneReading;

class PhoneNormalisationTest : public ::testing::Test {
 protected:
  void ExpectAgreement(const std::string& raw, const std::string& region) {
    ++asked_;
    const std::optional<PhoneReading> reference =
        LibphonenumberReading(raw, region);
    const absl::StatusOr<NormalisedIdentifier> ours =
        normaliser_.NormalisePhone(raw, region);
    ASSERT_EQ(ours.ok(), reference.has_value())
        << "\"" << raw << "\" in " << region << ": " << ours.status();
    if (!reference.has_value()) return;
    ++valid_;
    EXPECT_EQ(ours->value, reference->e164) << raw << " in " << region;
    EXPECT_EQ(ours->phone_region, reference->region) << raw << " in " << region;
  }

  IdentifierNormaliser normaliser_{consent::v1::EmailNormalisation(), ""};
  int asked_ = 0;
  int valid_ = 0;
};

TEST_F(PhoneNormalisationTest, ExampleNumbersInEveryFormatOfEveryRegion) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  for (const std::string& region : regions) {
    for (int type = PhoneNumberUtil::FIXED_LINE;
         type <= PhoneNumberUtil::VOICEMAIL; ++type) {
      PhoneNumber number;
      if (!util.GetExampleNumberForType(
              region, static_cast<PhoneNumberUtil::PhoneNumberType>(type),
              &number)) {
        continue;
      }
      std::string national, international, nsn;
      util.Format(number, PhoneNumberUtil::NATIONAL, &national);
      util.Format(number, PhoneNumberUtil::INTERNATIONAL, &international);
      util.GetNationalSignificantNumber(number, &nsn);
      std::string digits_only = national;
      digits_only.erase(
          std::remove_if(digits_only.begin(), digits_only.end(),
                         [](char c) { return c < '0' || c > '9'; }),
          digits_only.end());
      for (const std::string& written :
           {national, international, nsn, digits_only,
            absl::StrCat("(", nsn.substr(0, 2), ") ", nsn.substr(2))}) {
        ExpectAgreement(written, region);
        // A neighbour: the same shape, one digit off.
        std::string neighbour = written;
        const size_t last = neighbour.find_last_of("0123456789");
        if (last != std::string::npos) {
          neighbour[last] = neighbour[last] == '9' ? '0' : neighbour[last] + 1;
          ExpectAgreement(neighbour, region);
        }
      }
    }
  }
  EXPECT_GT(valid_, asked_ / 3);
}

TEST_F(PhoneNormalisationTest, GeneratedNationalNumbersAgree) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  std::mt19937 random(20261123);
  for (const std::string& region : regions) {
    for (int i = 0; i < 100; ++i) {
      std::string digits = i % 2 == 0 ? "0" : "";
      const int length = 4 + static_cast<int>(random() % 10);
      for (int d = 0; d < length; ++d) {
        digits.push_back(static_cast<char>('0' + random() % 10));
      }
      ExpectAgreement(digits, region);
    }
  }
  EXPECT_GT(valid_, 0);
}

}  // namespace
}  // namespace consentd::identifiers
