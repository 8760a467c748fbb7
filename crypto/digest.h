// Digest: a 32-byte blind-index digest (HMAC-SHA-256) naming an identifier.
// Digests are what consentd stores, indexes and logs instead of identifiers.
#ifndef CONSENTD_CRYPTO_DIGEST_H_
#define CONSENTD_CRYPTO_DIGEST_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace consentd::crypto {

using Digest = std::array<uint8_t, 32>;

inline absl::string_view DigestBytes(const Digest& digest) {
  return absl::string_view(reinterpret_cast<const char*>(digest.data()),
                           digest.size());
}

// Lower-case hex of `digest` into `out`, reusing its buffer.
inline void WriteDigestHex(const Digest& digest, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->resize(2 * digest.size());
  for (size_t i = 0; i < digest.size(); ++i) {
    (*out)[2 * i] = kHex[digest[i] >> 4];
    (*out)[2 * i + 1] = kHex[digest[i] & 0x0F];
  }
}

inline std::string DigestHex(const Digest& digest) {
  std::string hex;
  WriteDigestHex(digest, &hex);
  return hex;
}

// The digest `hex` (lower-case, as DigestHex writes it), or nullopt when it
// is not one.
inline std::optional<Digest> DigestFromHex(absl::string_view hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  Digest digest;
  if (bytes.size() != digest.size() || absl::BytesToHexString(bytes) != hex) {
    return std::nullopt;
  }
  std::memcpy(digest.data(), bytes.data(), digest.size());
  return digest;
}

// Hash for containers keyed by digest. HMAC output is uniformly
// distributed, so its first word is already a good hash.
struct DigestHash {
  size_t operator()(const Digest& digest) const {
    uint64_t h;
    std::memcpy(&h, digest.data(), sizeof(h));
    return static_cast<size_t>(h);
  }
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_DIGEST_H_
