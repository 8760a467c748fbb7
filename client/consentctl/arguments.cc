#include "client/consentctl/arguments.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

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

// How an enum flag's values are named, and what an unknown one's error says.
struct EnumFlag {
  absl::string_view prefix;
  absl::string_view unknown;
};

constexpr EnumFlag FlagOf(consent::v1::CollectionMethod) {
  return {"COLLECTION_METHOD_",
          "unknown collection method; one of web-form-double-opt-in, "
          "web-form, recorded-call, verbal, paper, written-request, "
          "bulk-import, api"};
}
constexpr EnumFlag FlagOf(consent::v1::LawfulBasis) {
  return {"LAWFUL_BASIS_",
          "unknown lawful basis; one of consent, contract, legal-obligation, "
          "vital-interests, public-task, legitimate-interest"};
}
constexpr EnumFlag FlagOf(consent::v1::RequestType) {
  return {"REQUEST_TYPE_",
          "--type is access, portability, erasure, rectification, "
          "restriction or objection"};
}
constexpr EnumFlag FlagOf(consent::v1::RequestState) {
  return {"REQUEST_STATE_",
          "--state is received, identity-verified, completed or rejected"};
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

template <typename Enum>
absl::StatusOr<Enum> ParseEnumFlag(absl::string_view text) {
  constexpr EnumFlag kFlag = FlagOf(Enum());
  const google::protobuf::EnumValueDescriptor* value =
      google::protobuf::GetEnumDescriptor<Enum>()->FindValueByName(
          EnumName(kFlag.prefix, text));
  // Number 0 is the _UNSPECIFIED value every enum of the API starts with.
  if (value == nullptr || value->number() == 0) {
    return absl::InvalidArgumentError(kFlag.unknown);
  }
  return static_cast<Enum>(value->number());
}

template absl::StatusOr<consent::v1::CollectionMethod>
ParseEnumFlag<consent::v1::CollectionMethod>(absl::string_view text);
template absl::StatusOr<consent::v1::LawfulBasis>
ParseEnumFlag<consent::v1::LawfulBasis>(absl::string_view text);
template absl::StatusOr<consent::v1::RequestType>
ParseEnumFlag<consent::v1::RequestType>(absl::string_view text);
template absl::StatusOr<consent::v1::RequestState>
ParseEnumFlag<consent::v1::RequestState>(absl::string_view text);

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
