// Signing and verifying audit checkpoints with Ed25519, with a key of their
// own (Keyring::AuditSigningSeed), never the receipts' key.
//
// What is signed: a domain tag, then the checkpoint's sequence, entry hash
// and time (microseconds), each fixed-length and big-endian.
#ifndef CONSENTD_CRYPTO_CHECKPOINT_SIGNATURE_H_
#define CONSENTD_CRYPTO_CHECKPOINT_SIGNATURE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "consent/v1/audit.pb.h"
#include "crypto/ed25519.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

// Signs checkpoints. Thread-safety: immutable after construction; safe to
// share.
class CheckpointSigner {
 public:
  explicit CheckpointSigner(const SecretKey& seed) : signer_(seed) {}

  // Sets `signature`, `key_id` and `public_key` on `checkpoint`, covering
  // its sequence, entry_hash and at.
  void Sign(consent::v1::AuditCheckpoint& checkpoint) const;

  const std::string& key_id() const { return signer_.key_id(); }
  const std::string& public_key() const { return signer_.public_key(); }

 private:
  Ed25519Signer signer_;
};

// OK when `checkpoint` carries a valid signature by `public_key`. Errors:
// INVALID_ARGUMENT for a malformed key, hash or signature;
// FAILED_PRECONDITION when the checkpoint names another key; DATA_LOSS
// when the signature does not match (the checkpoint was altered).
absl::Status VerifyCheckpoint(const consent::v1::AuditCheckpoint& checkpoint,
                              absl::string_view public_key);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_CHECKPOINT_SIGNATURE_H_
