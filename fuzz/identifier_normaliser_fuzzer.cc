// Fuzzes IdentifierNormaliser. Every input is tried as a phone number (with
// and without a region), as an e-mail address (under each e-mail policy)
// and as an external id ("system:id"; the whole input is the id when it has
// no ':').
//
// Invariants:
// - every error is INVALID_ARGUMENT and does not quote the input;
// - a phone number normalises exactly as libphonenumber reads it (Parse in
//   the region, IsValidNumber, Format E164, GetRegionCodeForNumber): the
//   E164Validator shortcut must not change an answer;
// - a normalised phone number is "+" and digits, with a region, and
//   normalises to itself again in any region;
// - a normalised e-mail address has one '@', a lower-case domain, follows
//   the policy (lower-case local part, no +tag) and normalises to itself;
// - a normalised external id is "system:id" and normalises to itself.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "consent/v1/identifier.pb.h"
#include "consent/v1/policy.pb.h"
#include "fuzz/fuzz_check.h"
#include "identifiers/identifier_normaliser.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// No error text contains a '7' or an '8', so an input holding either can
// only appear in one by being quoted.
void CheckError(const absl::Status& status, absl::string_view raw) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  if (raw.find_first_of("78") != absl::string_view::npos) {
    FUZZ_CHECK(!absl::StrContains(status.message(), raw));
  }
}

struct Reading {
  std::string e164;
  std::string region;
};

// libphonenumber's own reading of `raw`, the way the normaliser asks it;
// nullopt when it cannot parse it or finds it invalid.
std::optional<Reading> LibphonenumberReading(absl::string_view raw,
                                             const std::string& region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(raw), region, &number) !=
          PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return std::nullopt;
  }
  Reading out;
  util.Format(number, PhoneNumberUtil::E164, &out.e164);
  util.GetRegionCodeForNumber(number, &out.region);
  return out;
}

bool IsE164(absl::string_view value) {
  // libphonenumber's bounds: a 1-3 digit calling code and a national
  // number of at most 17 digits.
  if (value.size() < 3 || value.size() > 21 || value[0] != '+' ||
      value[1] == '0') {
    return false;
  }
  for (char c : value.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsRegionCode(absl::string_view region) {
  return region == "001" ||
         (region.size() == 2 &&
          absl::ascii_isupper(static_cast<unsigned char>(region[0])) &&
          absl::ascii_isupper(static_cast<unsigned char>(region[1])));
}

bool HasUpper(absl::string_view text) {
  for (char c : text) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

consent::v1::EmailNormalisation EmailPolicy(bool lowercase, bool strip_tag) {
  consent::v1::EmailNormalisation email;
  email.set_lowercase_local_part(lowercase);
  email.set_strip_plus_tag(strip_tag);
  return email;
}

// One normaliser per e-mail policy; the first two read national numbers
// as Slovenian, the others need a region.
struct Normalisers {
  IdentifierNormaliser all[4] = {
      IdentifierNormaliser(EmailPolicy(false, false), "SI"),
      IdentifierNormaliser(EmailPolicy(true, false), "SI"),
      IdentifierNormaliser(EmailPolicy(false, true), ""),
      IdentifierNormaliser(EmailPolicy(true, true), ""),
  };
  const IdentifierNormaliser& with_fallback = all[0];
  const IdentifierNormaliser& without_fallback = all[2];
};

const Normalisers& GetNormalisers() {
  static const Normalisers* const normalisers = new Normalisers();
  return *normalisers;
}

// A phone number's normalisation, checked against libphonenumber; the
// normalised form when there is one.
std::optional<NormalisedIdentifier> CheckPhone(
    const IdentifierNormaliser& normaliser, absl::string_view fallback,
    absl::string_view raw, absl::string_view region) {
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser.NormalisePhone(raw, region);
  std::optional<Reading> reading;
  if (raw.size() <= kMaxPhoneLength) {
    std::string parse_region(region.empty() ? fallback : region);
    reading =
        LibphonenumberReading(raw, parse_region.empty() ? "ZZ" : parse_region);
  }
  if (!out.ok()) {
    CheckError(out.status(), raw);
    FUZZ_CHECK(!reading.has_value());
    return std::nullopt;
  }
  FUZZ_CHECK(reading.has_value());
  FUZZ_CHECK(out->value == reading->e164);
  FUZZ_CHECK(out->phone_region == reading->region);
  FUZZ_CHECK(out->kind == consent::v1::IDENTIFIER_KIND_PHONE);
  FUZZ_CHECK(IsE164(out->value));
  FUZZ_CHECK(IsRegionCode(out->phone_region));
  return *std::move(out);
}

void FuzzPhone(absl::string_view raw) {
  const Normalisers& n = GetNormalisers();
  std::optional<NormalisedIdentifier> first;
  for (absl::string_view region : {"", "SI", "GB", "US", "DE", "XX", "si"}) {
    std::optional<NormalisedIdentifier> out =
        CheckPhone(n.with_fallback, "SI", raw, region);
    if (out.has_value() && !first.has_value()) first = out;
  }
  CheckPhone(n.without_fallback, "", raw, "");
  if (!first.has_value()) return;
  // The E.164 form is the number in every region.
  for (absl::string_view region : {"", "GB", "US"}) {
    for (const IdentifierNormaliser* normaliser :
         {&n.with_fallback, &n.without_fallback}) {
      absl::StatusOr<NormalisedIdentifier> again =
          normaliser->NormalisePhone(first->value, region);
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(again->value == first->value);
      FUZZ_CHECK(again->phone_region == first->phone_region);
    }
  }
}

void FuzzEmail(absl::string_view raw) {
  const Normalisers& n = GetNormalisers();
  for (const IdentifierNormaliser& normaliser : n.all) {
    absl::StatusOr<NormalisedIdentifier> out = normaliser.NormaliseEmail(raw);
    if (!out.ok()) {
      CheckError(out.status(), raw);
      continue;
    }
    const std::string& value = out->value;
    FUZZ_CHECK(out->kind == consent::v1::IDENTIFIER_KIND_EMAIL);
    FUZZ_CHECK(out->phone_region.empty());
    FUZZ_CHECK(value.size() <= kMaxEmailLength);
    const size_t at = value.find('@');
    FUZZ_CHECK(at != std::string::npos && at > 0);
    FUZZ_CHECK(value.find('@', at + 1) == std::string::npos);
    FUZZ_CHECK(absl::StripAsciiWhitespace(value) == value);
    const absl::string_view local = absl::string_view(value).substr(0, at);
    FUZZ_CHECK(!HasUpper(absl::string_view(value).substr(at + 1)));
    const bool lowercase = &normaliser == &n.all[1] || &normaliser == &n.all[3];
    const bool strip_tag = &normaliser == &n.all[2] || &normaliser == &n.all[3];
    if (lowercase) FUZZ_CHECK(!HasUpper(local));
    if (strip_tag) FUZZ_CHECK(!absl::StrContains(local, '+'));
    absl::StatusOr<NormalisedIdentifier> again =
        normaliser.NormaliseEmail(value);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->value == value);
  }
}

void FuzzExternalId(absl::string_view raw) {
  const IdentifierNormaliser& normaliser = GetNormalisers().with_fallback;
  absl::string_view system = "crm";
  absl::string_view id = raw;
  if (size_t colon = raw.find(':'); colon != absl::string_view::npos) {
    system = raw.substr(0, colon);
    id = raw.substr(colon + 1);
  }
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser.NormaliseExternalId(system, id);
  if (!out.ok()) {
    CheckError(out.status(), id);
    return;
  }
  FUZZ_CHECK(out->kind == consent::v1::IDENTIFIER_KIND_EXTERNAL_ID);
  FUZZ_CHECK(absl::StartsWith(out->value, system));
  FUZZ_CHECK(out->value.size() > system.size() &&
             out->value[system.size()] == ':');
  const absl::string_view normalised_id =
      absl::string_view(out->value).substr(system.size() + 1);
  FUZZ_CHECK(normalised_id == absl::StripAsciiWhitespace(id));
  absl::StatusOr<NormalisedIdentifier> again =
      normaliser.NormaliseExternalId(system, normalised_id);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->value == out->value);
}

// The Identifier message's own region: valid ones override the request's,
// malformed ones are refused whatever the number.
void FuzzIdentifierMessage(absl::string_view raw) {
  const IdentifierNormaliser& normaliser = GetNormalisers().with_fallback;
  for (absl::string_view own_region : {"", "GB", "gb", "G"}) {
    consent::v1::Identifier identifier;
    identifier.set_phone(std::string(raw));
    identifier.set_region(std::string(own_region));
    absl::StatusOr<NormalisedIdentifier> out =
        normaliser.Normalise(identifier, "US");
    absl::StatusOr<NormalisedIdentifier> direct = normaliser.NormalisePhone(
        raw, own_region.empty() ? absl::string_view("US") : own_region);
    if (own_region == "gb" || own_region == "G") {
      FUZZ_CHECK(out.status().code() == absl::StatusCode::kInvalidArgument);
      continue;
    }
    FUZZ_CHECK(out.ok() == direct.ok());
    if (out.ok()) FUZZ_CHECK(out->value == direct->value);
  }
  consent::v1::Identifier empty;
  FUZZ_CHECK(normaliser.Normalise(empty, "").status().code() ==
             absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::identifiers

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Compiles the E.164 tables and loads libphonenumber's metadata once,
  // before the first input is timed.
  consentd::identifiers::GetNormalisers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  consentd::identifiers::FuzzPhone(raw);
  consentd::identifiers::FuzzEmail(raw);
  consentd::identifiers::FuzzExternalId(raw);
  consentd::identifiers::FuzzIdentifierMessage(raw);
  return 0;
}
