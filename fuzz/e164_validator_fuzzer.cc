// Fuzzes E164Validator against libphonenumber. Each input is tried as
// written and as "+" and up to 15 digits made of its first bytes (a digit
// as itself, any other byte as its value mod 10), so that most inputs reach
// the validator's tables rather than its shape check.
//
// Invariants:
// - an answer comes only for the strict shape: "+", 7-15 digits, the first
//   not zero;
// - an answer is exactly libphonenumber's: the input parses, is valid, is
//   its own E.164 form, and its region is the one answered (the validator
//   may leave a number to libphonenumber, never answer it differently);
// - the normaliser agrees: a number the validator answers for normalises
//   to itself with that region.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "identifiers/e164_validator.h"
#include "identifiers/identifier_normaliser.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr size_t kMaxE164Digits = 15;

const E164Validator& Validator() {
  static const E164Validator* const validator = new E164Validator();
  return *validator;
}

const IdentifierNormaliser& Normaliser() {
  static const IdentifierNormaliser* const normaliser =
      new IdentifierNormaliser(consent::v1::EmailNormalisation(), "");
  return *normaliser;
}

bool IsStrictE164(absl::string_view text) {
  if (text.size() < 8 || text.size() > 16 || text[0] != '+' || text[1] == '0') {
    return false;
  }
  for (char c : text.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void Check(absl::string_view e164) {
  const std::optional<absl::string_view> region = Validator().ValidRegion(e164);
  if (!region.has_value()) return;
  FUZZ_CHECK(IsStrictE164(e164));

  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  FUZZ_CHECK(util.Parse(std::string(e164), "ZZ", &number) ==
             PhoneNumberUtil::NO_PARSING_ERROR);
  FUZZ_CHECK(util.IsValidNumber(number));
  std::string formatted;
  util.Format(number, PhoneNumberUtil::E164, &formatted);
  FUZZ_CHECK(formatted == e164);
  std::string number_region;
  util.GetRegionCodeForNumber(number, &number_region);
  FUZZ_CHECK(number_region == *region);

  absl::StatusOr<NormalisedIdentifier> normalised =
      Normaliser().NormalisePhone(e164, "");
  FUZZ_CHECK(normalised.ok());
  FUZZ_CHECK(normalised->value == e164);
  FUZZ_CHECK(normalised->phone_region == *region);
}

}  // namespace
}  // namespace consentd::identifiers

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  consentd::identifiers::Validator();
  consentd::identifiers::Normaliser();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  consentd::identifiers::Check(raw);
  std::string digits = "+";
  for (size_t i = 0; i < size && i < consentd::identifiers::kMaxE164Digits;
       ++i) {
    const bool digit = data[i] >= '0' && data[i] <= '9';
    digits.push_back(static_cast<char>(digit ? data[i] : '0' + data[i] % 10));
  }
  consentd::identifiers::Check(digits);
  return 0;
}
