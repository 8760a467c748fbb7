#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace consentd::crypto {

Digest Sha256(absl::string_view bytes) {
  Digest digest;
  // SHA-256 of memory cannot fail short of a broken OpenSSL.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), nullptr,
                 EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  return digest;
}

}  // namespace consentd::crypto
