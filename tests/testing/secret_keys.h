// SecretKeyOf: a test key made of one repeated byte, so that tests can
// name distinct keys (1, 2, ...) without randomness.
#ifndef CONSENTD_TESTS_TESTING_SECRET_KEYS_H_
#define CONSENTD_TESTS_TESTING_SECRET_KEYS_H_

#include <array>
#include <cstdint>

#include "crypto/secret_key.h"

namespace consentd::testing {

inline crypto::SecretKey SecretKeyOf(uint8_t fill) {
  std::array<uint8_t, crypto::SecretKey::kSize> bytes;
  bytes.fill(fill);
  return crypto::SecretKey(bytes);
}

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_SECRET_KEYS_H_
