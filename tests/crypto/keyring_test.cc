#include "crypto/keyring.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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

std::string KeyLine(char digit) { return std::string(64, digit); }

TEST(KeyringTest, TheNewestVersionOfEachKindIsInUse) {
  const std::string master =
      "consentd-keyring v1\nmaster " + KeyLine('0') + "\n";
  absl::StatusOr<Keyring> plain = Keyring::Parse(master, "test");
  absl::StatusOr<Keyring> rotated =
      Keyring::Parse(master + "database 2 " + KeyLine('1') + "\nsigning 2 " +
                         KeyLine('2') + "\ndatabase 3 " + KeyLine('3') + "\n",
                     "test");
  ASSERT_TRUE(plain.ok() && rotated.ok()) << rotated.status();
  std::vector<Keyring::Versioned> database = rotated->DatabaseKeys();
  ASSERT_EQ(database.size(), 3u);
  EXPECT_EQ(database[0].version, 3);
  EXPECT_EQ(database[2].version, 1);
  EXPECT_EQ(rotated->DatabaseKey().Hex(),
            ReferenceHkdfHex(std::string(32, '\x33'), "consentd/v1/database"));
  EXPECT_TRUE(SameKey(database[2].key, plain->DatabaseKey()));
  // The index key never changes with the versions.
  EXPECT_TRUE(SameKey(rotated->BlindIndexKey(), plain->BlindIndexKey()));
  EXPECT_TRUE(SameKey(rotated->BlindIndexFingerprint(),
                      plain->BlindIndexFingerprint()));
  ASSERT_EQ(rotated->AuditSigningSeeds().size(), 2u);
  EXPECT_EQ(rotated->AuditSigningSeeds()[0].version, 2);
  EXPECT_TRUE(
      SameKey(rotated->AuditSigningSeeds()[1].key, plain->AuditSigningSeed()));
  EXPECT_FALSE(SameKey(rotated->AuditSigningSeed(), plain->AuditSigningSeed()));
  EXPECT_FALSE(
      SameKey(rotated->AuditSigningSeed(), rotated->ReceiptSigningSeed()));
}

TEST(KeyringTest, VersionLinesOutOfOrderOrMalformedAreRefused) {
  const std::string master =
      "consentd-keyring v1\nmaster " + KeyLine('0') + "\n";
  for (const std::string& extra :
       {"database 3 " + KeyLine('1'), "database 1 " + KeyLine('1'),
        "database 2 " + KeyLine('1') + "\ndatabase 2 " + KeyLine('2'),
        "index 2 " + KeyLine('1'), "signing 2 " + KeyLine('x'),
        std::string("signing 2"), "database two " + KeyLine('1')}) {
    absl::StatusOr<Keyring> keyring = Keyring::Parse(master + extra, "test");
    EXPECT_EQ(keyring.status().code(), absl::StatusCode::kInvalidArgument)
        << extra;
    EXPECT_THAT(std::string(keyring.status().message()),
                ::testing::Not(HasSubstr(KeyLine('1'))));
  }
}

TEST(KeyringTest, AddKeyAppendsTheNextVersionAndKeepsTheRest) {
  testing::TempDir dir;
  const std::string path = dir.File("keyring");
  absl::StatusOr<Keyring> created = Keyring::Create(path);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(*Keyring::AddKey(path, Keyring::Kind::kDatabase), 2);
  EXPECT_EQ(*Keyring::AddKey(path, Keyring::Kind::kDatabase), 3);
  EXPECT_EQ(*Keyring::AddKey(path, Keyring::Kind::kSigning), 2);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  absl::StatusOr<Keyring> loaded = Keyring::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->DatabaseKeys().front().version, 3);
  EXPECT_TRUE(
      SameKey(loaded->DatabaseKeys().back().key, created->DatabaseKey()));
  EXPECT_FALSE(SameKey(loaded->DatabaseKey(), created->DatabaseKey()));
  EXPECT_TRUE(SameKey(loaded->BlindIndexKey(), created->BlindIndexKey()));
  EXPECT_EQ(loaded->AuditSigningSeeds().size(), 2u);
  EXPECT_EQ(Keyring::AddKey(dir.File("none"), Keyring::Kind::kSigning)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyringTest, AFullKeyringStillLoadsAndTakesNoMoreKeys) {
  testing::TempDir dir;
  const std::string path = dir.File("keyring");
  ASSERT_TRUE(Keyring::Create(path).ok());
  for (Keyring::Kind kind :
       {Keyring::Kind::kDatabase, Keyring::Kind::kSigning}) {
    for (int version = 2; version <= Keyring::kMaxVersions; ++version) {
      ASSERT_EQ(*Keyring::AddKey(path, kind), version);
    }
    EXPECT_EQ(Keyring::AddKey(path, kind).status().code(),
              absl::StatusCode::kResourceExhausted);
  }
  absl::StatusOr<Keyring> full = Keyring::Load(path);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->DatabaseKeys().size(), size_t{Keyring::kMaxVersions});
  EXPECT_EQ(full->AuditSigningSeeds().size(), size_t{Keyring::kMaxVersions});
}

}  // namespace
}  // namespace consentd::crypto
