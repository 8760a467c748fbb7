#include "identifiers/identifier_normaliser.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/scope_name.h"
#include "identifiers/e164_validator.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr size_t kMaxEmailLocalLength = 64;

// "+" then 7-15 digits, the first not zero: the shape of E.164.
bool IsStrictE164(absl::string_view raw) {
  if (raw.size() < 8 || raw.size() > 16 || raw[0] != '+' || raw[1] == '0') {
    return false;
  }
  for (size_t i = 1; i < raw.size(); ++i) {
    if (!absl::ascii_isdigit(raw[i])) return false;
  }
  return true;
}

bool IsEmailLocalChar(unsigned char c) {
  if (c >= 0x80) return true;  // UTF-8 of an internationalised address
  if (absl::ascii_isalnum(c)) return true;
  return absl::string_view("!#$%&'*+-/=?^_`{|}~.").find(static_cast<char>(c)) !=
         absl::string_view::npos;
}

bool IsEmailDomainChar(unsigned char c) {
  return c >= 0x80 || absl::ascii_isalnum(c) || c == '-' || c == '.';
}

bool IsValidDomain(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  if (domain.front() == '.' || domain.back() == '.' || domain.front() == '-' ||
      domain.back() == '-') {
    return false;
  }
  if (absl::StrContains(domain, "..") ||
      domain.find('.') == absl::string_view::npos) {
    return false;
  }
  for (unsigned char c : domain) {
    if (!IsEmailDomainChar(c)) return false;
  }
  return true;
}

// Compiled once per process: it is the same libphonenumber metadata for
// every normaliser.
const E164Validator& SharedE164Validator() {
  static const E164Validator* const validator = new E164Validator();
  return *validator;
}

absl::Status InvalidPhone(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("phone number ", why));
}

}  // namespace

IdentifierNormaliser::IdentifierNormaliser(
    consent::v1::EmailNormalisation email, std::string fallback_region)
    : email_(std::move(email)), fallback_region_(std::move(fallback_region)) {
  // Compile the metadata now rather than in the first check, which would
  // otherwise wait for it.
  SharedE164Validator();
}

absl::StatusOr<NormalisedIdentifier> IdentifierNormaliser::Normalise(
    const consent::v1::Identifier& identifier,
    absl::string_view default_region) const {
  const std::string& own_region = identifier.region();
  if (!own_region.empty() &&
      (own_region.size() != 2 || !absl::ascii_isupper(own_region[0]) ||
       !absl::ascii_isupper(own_region[1]))) {
    return absl::InvalidArgumentError(
        "identifier region must be an ISO 3166-1 alpha-2 code such as \"SI\"");
  }
  switch (identifier.value_case()) {
    case consent::v1::Identifier::kPhone:
      return NormalisePhone(identifier.phone(), identifier.region().empty()
                                                    ? default_region
                                                    : identifier.region());
    case consent::v1::Identifier::kEmail:
      return NormaliseEmail(identifier.email());
    case consent::v1::Identifier::kExternalId:
      return NormaliseExternalId(identifier.external_id().system(),
                                 identifier.external_id().id());
    case consent::v1::Identifier::VALUE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "identifier has none of phone, email, external_id");
}

absl::StatusOr<NormalisedIdentifier> IdentifierNormaliser::NormalisePhone(
    absl::string_view raw, absl::string_view region) const {
  if (raw.size() > kMaxPhoneLength) {
    return InvalidPhone(absl::StrCat("longer than ", kMaxPhoneLength));
  }
  const bool strict_e164 = IsStrictE164(raw);
  if (strict_e164) {
    if (std::optional<absl::string_view> number_region =
            SharedE164Validator().ValidRegion(raw)) {
      NormalisedIdentifier out;
      out.kind = consent::v1::IDENTIFIER_KIND_PHONE;
      out.value = std::string(raw);
      out.phone_region = std::string(*number_region);
      return out;
    }
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  PhoneNumberUtil::ErrorType error;
  if (strict_e164) {
    // Already international: no region to resolve, nothing to clean.
    error = util.Parse(std::string(raw), "ZZ", &number);
  } else {
    std::string region_code(region.empty() ? fallback_region_ : region);
    error = util.Parse(std::string(raw),
                       region_code.empty() ? "ZZ" : region_code, &number);
  }
  switch (error) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return InvalidPhone(
          "has no valid country code (national format needs a region)");
    default:
      return InvalidPhone("cannot be parsed");
  }
  NormalisedIdentifier out;
  out.kind = consent::v1::IDENTIFIER_KIND_PHONE;
  util.Format(number, PhoneNumberUtil::E164, &out.value);
  // Validity and region depend only on the calling code and the national
  // number, which the E.164 form holds whole: the validator answers for
  // most parsed numbers at a fraction of libphonenumber's cost.
  if (std::optional<absl::string_view> number_region =
          SharedE164Validator().ValidRegion(out.value)) {
    out.phone_region = std::string(*number_region);
    return out;
  }
  if (!util.IsValidNumber(number)) return InvalidPhone("is not valid");
  util.GetRegionCodeForNumber(number, &out.phone_region);
  return out;
}

absl::StatusOr<NormalisedIdentifier> IdentifierNormaliser::NormaliseEmail(
    absl::string_view raw) const {
  absl::string_view address = absl::StripAsciiWhitespace(raw);
  if (address.size() > kMaxEmailLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("e-mail address longer than ", kMaxEmailLength));
  }
  size_t at = address.rfind('@');
  if (at == absl::string_view::npos || at == 0 || address.find('@') != at) {
    return absl::InvalidArgumentError(
        "e-mail address needs exactly one '@' with text before it");
  }
  std::string local(address.substr(0, at));
  std::string domain(address.substr(at + 1));
  if (local.size() > kMaxEmailLocalLength || local.front() == '.' ||
      local.back() == '.' || absl::StrContains(local, "..")) {
    return absl::InvalidArgumentError("e-mail address has a bad local part");
  }
  for (unsigned char c : local) {
    if (!IsEmailLocalChar(c)) {
      return absl::InvalidArgumentError("e-mail address has a bad local part");
    }
  }
  if (!IsValidDomain(domain)) {
    return absl::InvalidArgumentError("e-mail address has a bad domain");
  }
  absl::AsciiStrToLower(&domain);
  if (email_.strip_plus_tag()) {
    size_t plus = local.find('+');
    // What is left must be a local part itself ("+news@x.si" and
    // "ana.+news@x.si" leave none), or the normalised address would not
    // normalise to itself.
    if (plus == 0 || (plus != std::string::npos && local[plus - 1] == '.')) {
      return absl::InvalidArgumentError("e-mail address has a bad local part");
    }
    if (plus != std::string::npos) local.resize(plus);
  }
  if (email_.lowercase_local_part()) absl::AsciiStrToLower(&local);

  NormalisedIdentifier out;
  out.kind = consent::v1::IDENTIFIER_KIND_EMAIL;
  out.value = absl::StrCat(local, "@", domain);
  return out;
}

absl::StatusOr<NormalisedIdentifier> IdentifierNormaliser::NormaliseExternalId(
    absl::string_view system, absl::string_view id) const {
  if (!IsValidScopeName(system)) {
    return absl::InvalidArgumentError(
        "external id system must be 1-64 of [a-z0-9._-]");
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(id);
  if (trimmed.empty() || trimmed.size() > kMaxExternalIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "external id must be 1-", kMaxExternalIdLength, " characters"));
  }
  for (unsigned char c : trimmed) {
    if (c < 0x20 || c == 0x7F) {
      return absl::InvalidArgumentError("external id has a control character");
    }
  }
  NormalisedIdentifier out;
  out.kind = consent::v1::IDENTIFIER_KIND_EXTERNAL_ID;
  out.value = absl::StrCat(system, ":", trimmed);
  return out;
}

}  // namespace consentd::identifiers
