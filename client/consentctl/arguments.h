// Parsing consentctl's command-line values into API messages: typed
// identifiers, the enum flags and times. Errors are INVALID_ARGUMENT with a
// message fit for the terminal.
#ifndef CONSENTD_CLIENT_CONSENTCTL_ARGUMENTS_H_
#define CONSENTD_CLIENT_CONSENTCTL_ARGUMENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "consent/v1/identifier.pb.h"
#include "consent/v1/requests.pb.h"
#include "consent/v1/types.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace consentd::consentctl {

// The identifiers a command names with --phone, --email and --id.
struct IdentifierFlags {
  std::vector<std::string> phones;
  std::vector<std::string> emails;
  // "SYSTEM:ID"
  std::vector<std::string> external_ids;
};

// One Identifier per flag value: phones, then e-mails, then external ids.
absl::StatusOr<std::vector<consent::v1::Identifier>> IdentifiersFromFlags(
    const IdentifierFlags& flags);

// "phone:+38631123456", "email:ana@example.si" or "id:crm:4711".
absl::StatusOr<consent::v1::Identifier> ParseTypedIdentifier(
    absl::string_view text);

// One entry of a suppression-list file: a typed identifier as above, or a
// bare phone number (what national registers are made of).
absl::StatusOr<consent::v1::Identifier> ParseListEntry(absl::string_view text);

// The value of an enum flag: --method (CollectionMethod), --lawful-basis
// (LawfulBasis), request open --type (RequestType) and request list --state
// (RequestState); defined for those four enums. The value is named without
// the enum's prefix, in kebab case ("web-form-double-opt-in",
// "identity-verified"); any case, '_' for '-' and the full name
// ("COLLECTION_METHOD_PAPER") are accepted too, and surrounding whitespace is
// ignored. The _UNSPECIFIED value is never a choice. An unknown name's error
// lists the choices.
template <typename Enum>
absl::StatusOr<Enum> ParseEnumFlag(absl::string_view text);

// An RFC 3339 time: "2026-11-23T10:00:00Z", "2026-11-23T11:00:00+01:00".
absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_ARGUMENTS_H_
