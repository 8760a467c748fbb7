#include "crypto/hmac_sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace consentd::crypto {

Digest HmacSha256(const SecretKey& key, absl::string_view message) {
  Digest mac;
  unsigned int length = 0;
  // HMAC of memory cannot fail short of a broken OpenSSL.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), mac.data(), &length) == nullptr ||
      length != mac.size()) {
    std::abort();
  }
  return mac;
}

}  // namespace consentd::crypto
