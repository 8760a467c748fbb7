#include "crypto/keyring.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace consentd::crypto {
namespace {

using ::testing::HasSubstr;

bool SameKey(const SecretKey& a, const SecretKey& b) {
  return std::memcmp(a.data(), b.data(), SecretKey::kSize) == 0;
}

void WriteFile(const std::string& path, const std::string& text, int mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

TEST(KeyringTest, CreatedKeyringIsOwnerOnlyAndLoadsToTheSameKeys) {
  testing::TempDir dir;
  absl::StatusOr<Keyring> created = Keyring::Create(dir.File("keyring"));
  ASSERT_TRUE(created.ok()) << created.status();
  struct stat st;
  ASSERT_EQ(stat(dir.File("keyring").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  absl::StatusOr<Keyring> loaded = Keyring::Load(dir.File("keyring"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(SameKey(created->DatabaseKey(), loaded->DatabaseKey()));
  EXPECT_TRUE(SameKey(created->BlindIndexKey(), loaded->BlindIndexKey()));
}

TEST(KeyringTest, AKeyringHandedOverAsTextParsesToTheSameKeys) {
  testing::TempDir dir;
  absl::StatusOr<Keyring> created = Keyring::Create(dir.File("keyring"));
  ASSERT_TRUE(created.ok()) << created.status();
  std::ifstream in(dir.File("keyring"));
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  absl::StatusOr<Keyring> parsed = Keyring::Parse(text, "CONSENTD_KEYRING");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(SameKey(created->DatabaseKey(), parsed->DatabaseKey()));
  absl::Status bad = Keyring::Parse("master 00", "CONSENTD_KEYRING").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()),
              ::testing::HasSubstr("CONSENTD_KEYRING"));
}

TEST(KeyringTest, EveryDerivedKeyIsIndependent) {
  testing::TempDir dir;
  absl::StatusOr<Keyring> keyring = Keyring::Create(dir.File("keyring"));
  ASSERT_TRUE(keyring.ok()) << keyring.status();
  const SecretKey keys[] = {keyring->DatabaseKey(), keyring->BlindIndexKey(),
                            keyring->ReceiptSigningSeed(),
                            keyring->AuditSigningSeed()};
  for (size_t i = 0; i < std::size(keys); ++i) {
    for (size_t j = i + 1; j < std::size(keys); ++j) {
      EXPECT_FALSE(SameKey(keys[i], keys[j])) << i << " and " << j;
    }
  }
}

TEST(KeyringTest, TwoNewKeyringsHaveDifferentKeys) {
  testing::TempDir dir;
  absl::StatusOr<Keyring> a = Keyring::Create(dir.File("a"));
  absl::StatusOr<Keyring> b = Keyring::Create(dir.File("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(SameKey(a->DatabaseKey(), b->DatabaseKey()));
}

// RFC 5869 HKDF-SHA-256 with no salt, one output block, computed with
// one-shot HMAC: an independent check of Keyring::Derive.
std::string ReferenceHkdfHex(const std::string& master,
                             const std::string& info) {
  unsigned char zeros[32] = {0};
  unsigned char prk[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), zeros, sizeof(zeros),
       reinterpret_cast<const unsigned char*>(master.data()), master.size(),
       prk, &length);
  std::string block = info + '\x01';
  unsigned char okm[32];
  HMAC(EVP_sha256(), prk, sizeof(prk),
       reinterpret_cast<const unsigned char*>(block.data()), block.size(), okm,
       &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : okm) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

TEST(KeyringTest, DerivedKeysAreHkdfSha256OfTheMasterKey) {
  // A change here would make every existing store unreadable.
  testing::TempDir dir;
  WriteFile(dir.File("keyring"),
            "consentd-keyring v1\nmaster " + std::string(64, '0') + "\n", 0600);
  absl::StatusOr<Keyring> keyring = Keyring::Load(dir.File("keyring"));
  ASSERT_TRUE(keyring.ok()) << keyring.status();
  const std::string master(32, '\0');
  EXPECT_EQ(keyring->DatabaseKey().Hex(),
            ReferenceHkdfHex(master, "consentd/v1/database"));
  EXPECT_EQ(keyring->BlindIndexKey().Hex(),
            ReferenceHkdfHex(master, "consentd/v1/blind-index"));
}

TEST(KeyringTest, CreateNeverOverwritesAKeyring) {
  testing::TempDir dir;
  ASSERT_TRUE(Keyring::Create(dir.File("keyring")).ok());
  EXPECT_EQ(Keyring::Create(dir.File("keyring")).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(KeyringTest, MissingKeyringIsNotFound) {
  testing::TempDir dir;
  EXPECT_EQ(Keyring::Load(dir.File("none")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyringTest, LoadOrCreateCreatesOnceThenLoads) {
  testing::TempDir dir;
  absl::StatusOr<Keyring> first = Keyring::LoadOrCreate(dir.File("keyring"));
  absl::StatusOr<Keyring> second = Keyring::LoadOrCreate(dir.File("keyring"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(SameKey(first->DatabaseKey(), second->DatabaseKey()));
}

TEST(KeyringTest, AKeyringOthersCanReadIsRefused) {
  testing::TempDir dir;
  ASSERT_TRUE(Keyring::Create(dir.File("keyring")).ok());
  chmod(dir.File("keyring").c_str(), 0644);
  absl::StatusOr<Keyring> loaded = Keyring::Load(dir.File("keyring"));
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(), HasSubstr("chmod 600"));
}

TEST(KeyringTest, AFileThatIsNoKeyringIsRejected) {
  testing::TempDir dir;
  for (const std::string& text :
       {std::string("hello\n"),
        "consentd-keyring v1\nmaster " + std::string(63, 'a') + "\n",
        "consentd-keyring v1\nmaster " + std::string(64, 'g') + "\n",
        "consentd-keyring v2\nmaster " + std::string(64, 'a') + "\n"}) {
    WriteFile(dir.File("keyring"), text, 0600);
    absl::StatusOr<Keyring> loaded = Keyring::Load(dir.File("keyring"));
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(loaded.status().message(), ::testing::Not(HasSubstr("aaaa")));
  }
}

}  // namespace
}  // namespace consentd::crypto
