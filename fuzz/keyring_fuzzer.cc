// Fuzzes Keyring::Load on the file's contents: each input is written to a
// keyring file (mode 0600, in a directory of its own under $TMPDIR) and
// loaded.
//
// Invariants:
// - a file that is no keyring is INVALID_ARGUMENT, and no error quotes
//   the hex digits of the file (key material);
// - Load accepts exactly the files the format describes: the line
//   "consentd-keyring v1" and the line "master <64 hex digits>", in that
//   order, with nothing else but blank lines, at most 4096 bytes; the
//   reference reader below holds it to that independently of its parser;
// - the keys of an accepted keyring are HKDF-SHA-256 of the master key the
//   file names, computed here with HMAC as RFC 5869 defines it.
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
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "crypto/keyring.h"
#include "fuzz/fuzz_check.h"

namespace consentd::crypto {
namespace {

using Key = std::array<uint8_t, SecretKey::kSize>;

constexpr size_t kMaxFileSize = 4096;

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

// The master key the format reads from `contents`; nullopt when `contents`
// is no keyring.
std::optional<Key> ReferenceMasterKey(absl::string_view contents) {
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
  if (lines.size() != 2 || lines[0] != "consentd-keyring v1" ||
      lines[1].substr(0, kMaster.size()) != kMaster ||
      lines[1].size() != kMaster.size() + 2 * SecretKey::kSize) {
    return std::nullopt;
  }
  const absl::string_view hex = lines[1].substr(kMaster.size());
  Key key;
  for (size_t i = 0; i < key.size(); ++i) {
    const int high = HexDigit(hex[2 * i]);
    const int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return key;
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
  const std::optional<Key> master = ReferenceMasterKey(contents);
  if (!keyring.ok()) {
    FUZZ_CHECK(keyring.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!master.has_value());
    CheckNoKeyMaterial(keyring.status().message(), contents);
    return;
  }
  FUZZ_CHECK(master.has_value());
  FUZZ_CHECK(
      SameKey(keyring->DatabaseKey(), Hkdf(*master, "consentd/v1/database")));
  FUZZ_CHECK(SameKey(keyring->BlindIndexKey(),
                     Hkdf(*master, "consentd/v1/blind-index")));
}

}  // namespace
}  // namespace consentd::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  consentd::crypto::Fuzz(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
