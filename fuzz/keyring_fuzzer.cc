// Fuzzes Keyring::Load on the file's contents: each input is written to a
// keyring file (mode 0600, in a directory of its own under $TMPDIR) and
// loaded.
//
// Invariants:
// - a file that is no keyring is INVALID_ARGUMENT, and no error quotes
//   the hex digits of the file (key material);
// - Load accepts exactly the files the format describes: the line
//   "consentd-keyring v1", the line "master <64 hex digits>", then lines
//   "database <N> <64 hex digits>" and "signing <N> <64 hex digits>", each
//   kind numbered 2, 3, ... (at most 31 lines of a kind), with nothing else
//   but blank lines, at most 8192 bytes; the reference reader below holds
//   it to that independently of its parser;
// - the keys of an accepted keyring are HKDF-SHA-256, computed here with
//   HMAC as RFC 5869 defines it: the blind-index key of the master key, the
//   database key and signing seeds of the newest version's key (the master
//   key for version 1).
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "crypto/keyring.h"
#include "fuzz/fuzz_check.h"

namespace consentd::crypto {
namespace {

using Key = std::array<uint8_t, SecretKey::kSize>;

constexpr size_t kMaxFileSize = 8192;

const std::string& KeyringPath() {
  static const std::string* const path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir_template =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
        "/keyring_fuzzer.XXXXXX";
    FUZZ_CHECK(mkdtemp(dir_template.data()) != nullptr);
    static const std::string dir = dir_template;
    std::atexit([] { std::filesystem::remove_all(dir); });
    return new std::string(dir + "/keyring");
  }();
  return *path;
}

void WriteKeyringFile(absl::string_view contents) {
  // A new file each time: ext4 flushes a file truncated and rewritten when
  // it is closed, which would slow every run down to the disk.
  unlink(KeyringPath().c_str());
  const int fd = open(KeyringPath().c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(write(fd, contents.data(), contents.size()) ==
             static_cast<ssize_t>(contents.size()));
  FUZZ_CHECK(close(fd) == 0);
}

bool IsBlank(absl::string_view line) {
  for (char c : line) {
    if (std::strchr(" \t\n\v\f\r", c) == nullptr || c == '\0') return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The keys the format reads from `contents`.
struct ReferenceKeys {
  Key master;
  std::vector<Key> database;
  std::vector<Key> signing;
};

std::optional<Key> ReferenceHexKey(absl::string_view hex) {
  if (hex.size() != 2 * SecretKey::kSize) return std::nullopt;
  Key key;
  for (size_t i = 0; i < key.size(); ++i) {
    const int high = HexDigit(hex[2 * i]);
    const int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return key;
}

// The keys `contents` holds; nullopt when `contents` is no keyring.
std::optional<ReferenceKeys> ReferenceKeyring(absl::string_view contents) {
  if (contents.size() > kMaxFileSize) return std::nullopt;
  std::vector<absl::string_view> lines;
  size_t begin = 0;
  while (begin <= contents.size()) {
    size_t end = contents.find('\n', begin);
    if (end == absl::string_view::npos) end = contents.size();
    absl::string_view line = contents.substr(begin, end - begin);
    if (!IsBlank(line)) lines.push_back(line);
    begin = end + 1;
  }
  constexpr absl::string_view kMaster = "master ";
  if (lines.size() < 2 || lines[0] != "consentd-keyring v1" ||
      lines[1].substr(0, kMaster.size()) != kMaster) {
    return std::nullopt;
  }
  ReferenceKeys keys;
  const std::optional<Key> master =
      ReferenceHexKey(lines[1].substr(kMaster.size()));
  if (!master) return std::nullopt;
  keys.master = *master;
  for (size_t i = 2; i < lines.size(); ++i) {
    for (auto [kind, versions] :
         {std::pair<absl::string_view, std::vector<Key>*>{"database ",
                                                          &keys.database},
          {"signing ", &keys.signing}}) {
      if (lines[i].substr(0, kind.size()) != kind) continue;
      const std::string number = std::to_string(versions->size() + 2) + " ";
      const absl::string_view rest = lines[i].substr(kind.size());
      if (versions->size() >= 31 || rest.substr(0, number.size()) != number) {
        return std::nullopt;
      }
      const std::optional<Key> key = ReferenceHexKey(rest.substr(number.size()));
      if (!key) return std::nullopt;
      versions->push_back(*key);
      break;
    }
    if (keys.database.size() + keys.signing.size() != i - 1) {
      return std::nullopt;  // a line of neither kind
    }
  }
  return keys;
}

// RFC 5869 HKDF-SHA-256 with no salt, one block of output.
Key Hkdf(const Key& master, absl::string_view info) {
  const Key zero_salt{};
  uint8_t prk[EVP_MAX_MD_SIZE];
  unsigned int prk_size = 0;
  FUZZ_CHECK(HMAC(EVP_sha256(), zero_salt.data(), zero_salt.size(),
                  master.data(), master.size(), prk, &prk_size) != nullptr);
  std::string block(info);
  block.push_back('\x01');
  uint8_t okm[EVP_MAX_MD_SIZE];
  unsigned int okm_size = 0;
  FUZZ_CHECK(HMAC(EVP_sha256(), prk, prk_size,
                  reinterpret_cast<const uint8_t*>(block.data()), block.size(),
                  okm, &okm_size) != nullptr);
  FUZZ_CHECK(okm_size == SecretKey::kSize);
  Key out;
  std::memcpy(out.data(), okm, out.size());
  return out;
}

bool SameKey(const SecretKey& key, const Key& expected) {
  return std::memcmp(key.data(), expected.data(), expected.size()) == 0;
}

// Error texts name the path and the problem, never the contents: no run of
// 16 hex digits of the file (a quarter key) appears in `message`.
void CheckNoKeyMaterial(absl::string_view message, absl::string_view contents) {
  constexpr size_t kRun = 16;
  size_t run = 0;
  for (size_t i = 0; i < contents.size(); ++i) {
    run = HexDigit(contents[i]) >= 0 ? run + 1 : 0;
    if (run >= kRun) {
      FUZZ_CHECK(
          !absl::StrContains(message, contents.substr(i + 1 - kRun, kRun)));
    }
  }
}

void Fuzz(absl::string_view contents) {
  WriteKeyringFile(contents);
  absl::StatusOr<Keyring> keyring = Keyring::Load(KeyringPath());
  const std::optional<ReferenceKeys> keys = ReferenceKeyring(contents);
  if (!keyring.ok()) {
    FUZZ_CHECK(keyring.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!keys.has_value());
    CheckNoKeyMaterial(keyring.status().message(), contents);
    return;
  }
  FUZZ_CHECK(keys.has_value());
  const Key& database =
      keys->database.empty() ? keys->master : keys->database.back();
  const Key& signing =
      keys->signing.empty() ? keys->master : keys->signing.back();
  FUZZ_CHECK(SameKey(keyring->DatabaseKey(),
                     Hkdf(database, "consentd/v1/database")));
  FUZZ_CHECK(keyring->DatabaseKeys().size() == keys->database.size() + 1);
  FUZZ_CHECK(SameKey(keyring->BlindIndexKey(),
                     Hkdf(keys->master, "consentd/v1/blind-index")));
  FUZZ_CHECK(SameKey(keyring->AuditSigningSeed(),
                     Hkdf(signing, "consentd/v1/audit-signing")));
  FUZZ_CHECK(SameKey(keyring->ReceiptSigningSeed(),
                     Hkdf(signing, "consentd/v1/receipt-signing")));
}

}  // namespace
}  // namespace consentd::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  consentd::crypto::Fuzz(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
