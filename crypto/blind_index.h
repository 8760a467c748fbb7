// BlindIndex: the keyed digest (HMAC-SHA-256) under which identifiers are
// stored and looked up, so that neither the database nor memory is keyed by
// plaintext. The identifier kind is part of the MAC input: a phone number and
// an external id that happen to share text get different digests.
//
// The HMAC key schedule (the SHA-256 states after absorbing key^ipad and
// key^opad) is computed once; each digest starts from a copy of those states
// on the stack, so the hot path allocates nothing.
//
// Thread-safety: immutable after construction; Compute is safe to call
// concurrently.
#ifndef CONSENTD_CRYPTO_BLIND_INDEX_H_
#define CONSENTD_CRYPTO_BLIND_INDEX_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "consent/v1/identifier.pb.h"
#include "crypto/digest.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

class BlindIndex {
 public:
  explicit BlindIndex(const SecretKey& key);
  ~BlindIndex();
  BlindIndex(const BlindIndex&) = delete;
  BlindIndex& operator=(const BlindIndex&) = delete;

  // The digest of a normalised identifier.
  Digest Compute(consent::v1::IdentifierKind kind,
                 absl::string_view normalised) const;

 private:
  // SHA-256 after absorbing key^ipad and key^opad; never mutated after
  // construction, cleansed on destruction.
  struct KeySchedule;
  std::unique_ptr<KeySchedule> schedule_;
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_BLIND_INDEX_H_
