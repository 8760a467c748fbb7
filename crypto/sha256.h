// Sha256: the plain SHA-256 of some bytes, for naming documents (exports)
// so that a copy handed out can be matched later. Not a blind index: use
// BlindIndex for anything that names a person.
#ifndef CONSENTD_CRYPTO_SHA256_H_
#define CONSENTD_CRYPTO_SHA256_H_

#include "absl/strings/string_view.h"
#include "crypto/digest.h"

namespace consentd::crypto {

Digest Sha256(absl::string_view bytes);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_SHA256_H_
