// Signing and verifying scrub receipts with Ed25519.
//
// What is signed is the receipt's deterministic protobuf serialization with
// `signature` empty, so a receipt kept as JSON or binary verifies the same.
// The signing key is derived from the keyring (Keyring::ReceiptSigningSeed),
// so it survives restarts without a second secret to manage.
#ifndef CONSENTD_CRYPTO_RECEIPT_SIGNATURE_H_
#define CONSENTD_CRYPTO_RECEIPT_SIGNATURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "consent/v1/scrub.pb.h"
#include "crypto/ed25519.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

// Signs receipts. Thread-safety: immutable after construction; safe to
// share.
class ReceiptSigner {
 public:
  // The key pair whose private key is `seed`.
  explicit ReceiptSigner(const SecretKey& seed);

  // Sets `key_id` and `signature` on `receipt`.
  void Sign(consent::v1::ScrubReceipt& receipt) const;

  const consent::v1::ReceiptKey& key() const { return key_; }

 private:
  Ed25519Signer signer_;
  consent::v1::ReceiptKey key_;
};

// OK when `receipt` carries a valid signature by `key`. Errors:
// INVALID_ARGUMENT for a malformed key or signature; FAILED_PRECONDITION
// when the receipt names another key; DATA_LOSS when the signature does not
// match (the receipt was altered).
absl::Status VerifyReceipt(const consent::v1::ScrubReceipt& receipt,
                           const consent::v1::ReceiptKey& key);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_RECEIPT_SIGNATURE_H_
