// How libphonenumber itself reads a phone number, the way
// IdentifierNormaliser asks it (Parse with the region, IsValidNumber,
// Format E164, GetRegionCodeForNumber): the reference that differential
// tests hold consentd's faster paths to. Header-only, for test binaries
// that link libphonenumber.
#ifndef CONSENTD_TESTS_TESTING_LIBPHONENUMBER_READING_H_
#define CONSENTD_TESTS_TESTING_LIBPHONENUMBER_READING_H_

#include <optional>
#include <string>

#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace consentd::testing {

struct PhoneReading {
  std::string e164;
  std::string region;
};

// nullopt when libphonenumber cannot parse `raw` in `region` ("ZZ": none)
// or finds the number invalid.
inline std::optional<PhoneReading> LibphonenumberReading(
    const std::string& raw, const std::string& region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(raw, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return std::nullopt;
  }
  PhoneReading out;
  util.Format(number, PhoneNumberUtil::E164, &out.e164);
  util.GetRegionCodeForNumber(number, &out.region);
  return out;
}

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_LIBPHONENUMBER_READING_H_
