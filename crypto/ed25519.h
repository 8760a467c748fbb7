// Ed25519 signing and verification (OpenSSL), for the things consentd signs:
// scrub receipts and audit checkpoints, each with a key of its own.
#ifndef CONSENTD_CRYPTO_ED25519_H_
#define CONSENTD_CRYPTO_ED25519_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

// A key's id: hex of the first 8 bytes of SHA-256 of its public key.
std::string Ed25519KeyId(absl::string_view public_key);

// Signs with one private key. Thread-safety: immutable after construction;
// safe to share.
class Ed25519Signer {
 public:
  // The key pair whose private key is `seed`.
  explicit Ed25519Signer(const SecretKey& seed);
  ~Ed25519Signer();
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  // The 64-byte signature of `message`.
  std::string Sign(absl::string_view message) const;

  // The 32-byte public key and its id.
  const std::string& public_key() const { return public_key_; }
  const std::string& key_id() const { return key_id_; }

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string public_key_;
  std::string key_id_;
};

// True when `signature` is `public_key`'s valid signature of `message`;
// false for a malformed key or signature too.
bool Ed25519Verify(absl::string_view public_key, absl::string_view message,
                   absl::string_view signature);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_ED25519_H_
