// IdentifierNormaliser: turns an identifier as a caller wrote it into its one
// canonical form, so that "031 123 456" (region SI), "+386 31 123 456" and
// "0038631123456" are the same number and " Ana@Example.SI" the same address.
//
// Phones go through libphonenumber to E.164. Input already in strict E.164
// is first offered to E164Validator, which answers for valid canonical
// numbers from libphonenumber's metadata without its parser; the rest goes
// through libphonenumber too. E-mail is trimmed, its domain
// lower-cased, its local part lower-cased and +tag stripped as the policy
// says. External ids are namespaced as "system:id".
//
// Errors are INVALID_ARGUMENT and never quote the input: identifiers are
// personal data and error texts end up in logs.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CONSENTD_IDENTIFIERS_IDENTIFIER_NORMALISER_H_
#define CONSENTD_IDENTIFIERS_IDENTIFIER_NORMALISER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "consent/v1/identifier.pb.h"
#include "consent/v1/policy.pb.h"

namespace consentd::identifiers {

inline constexpr size_t kMaxPhoneLength = 64;
inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxExternalIdLength = 256;

struct NormalisedIdentifier {
  consent::v1::IdentifierKind kind = consent::v1::IDENTIFIER_KIND_UNSPECIFIED;
  // E.164 for phones, the normalised address for e-mail, "system:id" for
  // external ids.
  std::string value;
  // For phones, the ISO 3166-1 region the number belongs to ("SI"); used for
  // calling hours. Empty for other kinds.
  std::string phone_region;
};

class IdentifierNormaliser {
 public:
  // `fallback_region` reads national-format numbers when neither the
  // identifier nor the request names a region (the policy's default_region).
  IdentifierNormaliser(consent::v1::EmailNormalisation email,
                       std::string fallback_region);

  // Normalises one identifier. `default_region` is the request's; the
  // identifier's own region wins over it.
  absl::StatusOr<NormalisedIdentifier> Normalise(
      const consent::v1::Identifier& identifier,
      absl::string_view default_region) const;

  absl::StatusOr<NormalisedIdentifier> NormalisePhone(
      absl::string_view raw, absl::string_view region) const;
  absl::StatusOr<NormalisedIdentifier> NormaliseEmail(
      absl::string_view raw) const;
  absl::StatusOr<NormalisedIdentifier> NormaliseExternalId(
      absl::string_view system, absl::string_view id) const;

 private:
  consent::v1::EmailNormalisation email_;
  std::string fallback_region_;
};

}  // namespace consentd::identifiers

#endif  // CONSENTD_IDENTIFIERS_IDENTIFIER_NORMALISER_H_
