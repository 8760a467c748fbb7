#include "crypto/blind_index.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/secret_keys.h"

namespace consentd::crypto {
namespace {

// OpenSSL's one-shot HMAC of the kind byte and the value: the reference.
Digest ReferenceHmac(const SecretKey& key, consent::v1::IdentifierKind kind,
                     const std::string& value) {
  const std::string input = std::string(1, static_cast<char>(kind)) + value;
  Digest digest;
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), key.size(),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       digest.data(), &length);
  EXPECT_EQ(length, digest.size());
  return digest;
}

TEST(BlindIndexTest, IsHmacSha256OfKindAndValue) {
  SecretKey key = testing::SecretKeyOf(7);
  BlindIndex index(key);
  EXPECT_EQ(
      index.Compute(consent::v1::IDENTIFIER_KIND_PHONE, "+38631123456"),
      ReferenceHmac(key, consent::v1::IDENTIFIER_KIND_PHONE, "+38631123456"));
}

// Every length up to past three SHA-256 blocks, so inputs that end inside,
// at and across block boundaries all start from the copied key schedule.
TEST(BlindIndexTest, IsHmacSha256AtEveryLength) {
  SecretKey key = testing::SecretKeyOf(9);
  BlindIndex index(key);
  std::string value;
  for (int length = 0; length <= 200; ++length) {
    EXPECT_EQ(index.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, value),
              ReferenceHmac(key, consent::v1::IDENTIFIER_KIND_EMAIL, value))
        << "length " << length;
    value.push_back(static_cast<char>('a' + length % 26));
  }
}

TEST(BlindIndexTest, SameInputSameDigest) {
  BlindIndex index(testing::SecretKeyOf(1));
  EXPECT_EQ(index.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, "ana@x.si"),
            index.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, "ana@x.si"));
}

TEST(BlindIndexTest, DifferentKeysGiveDifferentDigests) {
  BlindIndex a(testing::SecretKeyOf(1)), b(testing::SecretKeyOf(2));
  EXPECT_NE(a.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, "ana@x.si"),
            b.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, "ana@x.si"));
}

TEST(BlindIndexTest, KindSeparatesEqualText) {
  BlindIndex index(testing::SecretKeyOf(1));
  EXPECT_NE(index.Compute(consent::v1::IDENTIFIER_KIND_PHONE, "crm:1"),
            index.Compute(consent::v1::IDENTIFIER_KIND_EXTERNAL_ID, "crm:1"));
}

TEST(BlindIndexTest, HexIsLowerCaseAnd64Digits) {
  BlindIndex index(testing::SecretKeyOf(1));
  std::string hex =
      DigestHex(index.Compute(consent::v1::IDENTIFIER_KIND_EMAIL, "a@b.si"));
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace consentd::crypto
