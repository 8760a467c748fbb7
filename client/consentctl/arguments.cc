#include "client/consentctl/arguments.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace consentd::consentctl {
namespace {

absl::StatusOr<consent::v1::Identifier> ExternalId(absl::string_view text) {
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0 ||
      colon + 1 == text.size()) {
    return absl::InvalidArgumentError(
        "an external id is written SYSTEM:ID, e.g. crm:4711");
  }
  consent::v1::Identifier identifier;
  identifier.mutable_external_id()->set_system(
      std::string(text.substr(0, colon)));
  identifier.mutable_external_id()->set_id(std::string(text.substr(colon + 1)));
  return identifier;
}

// "web-form" -> "PREFIX_WEB_FORM".
std::string EnumName(absl::string_view prefix, absl::string_view text) {
  std::string name = absl::AsciiStrToUpper(
      absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{"-", "_"}}));
  return absl::StartsWith(name, prefix) ? name : absl::StrCat(prefix, name);
}

}  // namespace

absl::StatusOr<std::vector<consent::v1::Identifier>> IdentifiersFromFlags(
    const IdentifierFlags& flags) {
  std::vector<consent::v1::Identifier> identifiers;
  for (const std::string& phone : flags.phones) {
    identifiers.emplace_back().set_phone(phone);
  }
  for (const std::string& email : flags.emails) {
    identifiers.emplace_back().set_email(email);
  }
  for (const std::string& id : flags.external_ids) {
    absl::StatusOr<consent::v1::Identifier> identifier = ExternalId(id);
    if (!identifier.ok()) return identifier.status();
    identifiers.push_back(*std::move(identifier));
  }
  if (identifiers.empty()) {
    return absl::InvalidArgumentError(
        "name at least one identifier with --phone, --email or --id");
  }
  return identifiers;
}

absl::StatusOr<consent::v1::Identifier> ParseTypedIdentifier(
    absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  consent::v1::Identifier identifier;
  if (absl::ConsumePrefix(&text, "phone:")) {
    identifier.set_phone(std::string(text));
    return identifier;
  }
  if (absl::ConsumePrefix(&text, "email:")) {
    identifier.set_email(std::string(text));
    return identifier;
  }
  if (absl::ConsumePrefix(&text, "id:")) return ExternalId(text);
  return absl::InvalidArgumentError(
      "an identifier is written phone:NUMBER, email:ADDRESS or id:SYSTEM:ID");
}

absl::StatusOr<consent::v1::Identifier> ParseListEntry(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::StartsWith(text, "phone:") || absl::StartsWith(text, "email:") ||
      absl::StartsWith(text, "id:")) {
    return ParseTypedIdentifier(text);
  }
  consent::v1::Identifier identifier;
  identifier.set_phone(std::string(text));
  return identifier;
}

absl::StatusOr<consent::v1::CollectionMethod> ParseCollectionMethod(
    absl::string_view text) {
  consent::v1::CollectionMethod method;
  if (!consent::v1::CollectionMethod_Parse(EnumName("COLLECTION_METHOD_", text),
                                           &method) ||
      method == consent::v1::COLLECTION_METHOD_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "unknown collection method; one of web-form-double-opt-in, "
        "web-form, recorded-call, verbal, paper, written-request, "
        "bulk-import, api");
  }
  return method;
}

absl::StatusOr<consent::v1::LawfulBasis> ParseLawfulBasis(
    absl::string_view text) {
  consent::v1::LawfulBasis basis;
  if (!consent::v1::LawfulBasis_Parse(EnumName("LAWFUL_BASIS_", text),
                                      &basis) ||
      basis == consent::v1::LAWFUL_BASIS_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "unknown lawful basis; one of consent, contract, legal-obligation, "
        "vital-interests, public-task, legitimate-interest");
  }
  return basis;
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an RFC 3339 time (", error, ")"));
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  timestamp.set_nanos(
      static_cast<int32_t>((time - absl::FromUnixSeconds(timestamp.seconds())) /
                           absl::Nanoseconds(1)));
  return timestamp;
}

}  // namespace consentd::consentctl
