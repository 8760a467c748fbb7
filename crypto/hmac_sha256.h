// HmacSha256: the HMAC-SHA-256 of a message under a key, for authenticating
// records consentd keeps outside its database (the erasure journal file).
// Not a blind index: BlindIndex digests identifiers.
#ifndef CONSENTD_CRYPTO_HMAC_SHA256_H_
#define CONSENTD_CRYPTO_HMAC_SHA256_H_

#include "absl/strings/string_view.h"
#include "crypto/digest.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

Digest HmacSha256(const SecretKey& key, absl::string_view message);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_HMAC_SHA256_H_
