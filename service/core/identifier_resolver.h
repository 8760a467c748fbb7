// IdentifierResolver: from an identifier as written to its canonical form
// and blind-index digest, the only key under which consentd knows it.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CONSENTD_SERVICE_CORE_IDENTIFIER_RESOLVER_H_
#define CONSENTD_SERVICE_CORE_IDENTIFIER_RESOLVER_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "consent/v1/identifier.pb.h"
#include "crypto/blind_index.h"
#include "crypto/digest.h"
#include "identifiers/identifier_normaliser.h"

namespace consentd::core {

struct ResolvedIdentifier {
  identifiers::NormalisedIdentifier identifier;
  crypto::Digest digest{};
};

class IdentifierResolver {
 public:
  // Both must outlive the resolver.
  IdentifierResolver(const identifiers::IdentifierNormaliser* normaliser,
                     const crypto::BlindIndex* blind_index)
      : normaliser_(normaliser), blind_index_(blind_index) {}

  // Errors: INVALID_ARGUMENT when the identifier cannot be normalised (the
  // message never contains the identifier).
  absl::StatusOr<ResolvedIdentifier> Resolve(
      const consent::v1::Identifier& identifier,
      absl::string_view default_region) const {
    absl::StatusOr<identifiers::NormalisedIdentifier> normalised =
        normaliser_->Normalise(identifier, default_region);
    if (!normalised.ok()) return normalised.status();
    ResolvedIdentifier resolved;
    resolved.digest =
        blind_index_->Compute(normalised->kind, normalised->value);
    resolved.identifier = *std::move(normalised);
    return resolved;
  }

  // Every identifier of a request, in order. Errors: INVALID_ARGUMENT naming
  // the first that cannot be normalised by its index ("identifiers[2]: ..."),
  // never by its value.
  absl::StatusOr<std::vector<ResolvedIdentifier>> ResolveAll(
      const google::protobuf::RepeatedPtrField<consent::v1::Identifier>&
          identifiers,
      absl::string_view default_region) const {
    std::vector<ResolvedIdentifier> resolved;
    resolved.reserve(identifiers.size());
    for (int i = 0; i < identifiers.size(); ++i) {
      absl::StatusOr<ResolvedIdentifier> one =
          Resolve(identifiers[i], default_region);
      if (!one.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("identifiers[", i, "]: ", one.status().message()));
      }
      resolved.push_back(*std::move(one));
    }
    return resolved;
  }

  // Writes the NormalisedIdentifier message for a resolved identifier into
  // `out` (which may live on an arena).
  static void FillProto(const ResolvedIdentifier& resolved,
                        consent::v1::NormalisedIdentifier* out) {
    out->set_kind(resolved.identifier.kind);
    out->set_value(resolved.identifier.value);
    crypto::WriteDigestHex(resolved.digest, out->mutable_digest());
  }

  // The digest a kept NormalisedIdentifier carries; DATA_LOSS when it is
  // not a well-formed one (the store was tampered with or damaged).
  static absl::StatusOr<crypto::Digest> DigestOf(
      const consent::v1::NormalisedIdentifier& identifier) {
    std::optional<crypto::Digest> digest =
        crypto::DigestFromHex(identifier.digest());
    if (!digest.has_value()) {
      return absl::DataLossError("a kept identifier has a malformed digest");
    }
    return *digest;
  }

 private:
  const identifiers::IdentifierNormaliser* normaliser_;
  const crypto::BlindIndex* blind_index_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_IDENTIFIER_RESOLVER_H_
