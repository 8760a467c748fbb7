// SecretKey: 32 bytes of key material that wipe themselves when destroyed.
#ifndef CONSENTD_CRYPTO_SECRET_KEY_H_
#define CONSENTD_CRYPTO_SECRET_KEY_H_

#include <openssl/crypto.h>

#include <array>
#include <cstdint>
#include <string>

namespace consentd::crypto {

class SecretKey {
 public:
  static constexpr size_t kSize = 32;

  SecretKey() { bytes_.fill(0); }
  explicit SecretKey(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* mutable_data() { return bytes_.data(); }
  static constexpr size_t size() { return kSize; }

  // Lower-case hex of the key. The caller must wipe the result
  // (OPENSSL_cleanse) when done with it.
  std::string Hex() const;

 private:
  std::array<uint8_t, kSize> bytes_;
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_SECRET_KEY_H_
