#include "crypto/keyring.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace consentd::crypto {
namespace {

constexpr absl::string_view kHeader = "consentd-keyring v1";
constexpr absl::string_view kMasterPrefix = "master ";
constexpr size_t kMaxKeyringFileSize = 4096;

// Reads a small file, wiping every intermediate buffer.
absl::StatusOr<std::string> ReadSecretFile(int fd, const std::string& path) {
  std::string contents(kMaxKeyringFileSize + 1, '\0');
  size_t used = 0;
  while (used < contents.size()) {
    ssize_t n = read(fd, contents.data() + used, contents.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(contents.data(), contents.size());
      return absl::FailedPreconditionError(
          absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > kMaxKeyringFileSize) {
    OPENSSL_cleanse(contents.data(), contents.size());
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": file too large to be a keyring"));
  }
  contents.resize(used);
  return contents;
}

absl::StatusOr<SecretKey> ParseKeyring(absl::string_view text,
                                       absl::string_view path) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipWhitespace());
  absl::string_view hex;
  if (lines.size() != 2 || lines[0] != kHeader ||
      !absl::ConsumePrefix(&lines[1], kMasterPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": not a consentd keyring"));
  }
  hex = lines[1];
  if (hex.size() != 2 * SecretKey::kSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": master key must be 64 hex digits"));
  }
  SecretKey key;
  for (size_t i = 0; i < SecretKey::kSize; ++i) {
    int value = 0;
    for (char c : hex.substr(2 * i, 2)) {
      int digit = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
      if (digit < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "keyring ", path, ": master key must be 64 hex digits"));
      }
      value = value * 16 + digit;
    }
    key.mutable_data()[i] = static_cast<uint8_t>(value);
  }
  return key;
}

}  // namespace

std::string SecretKey::Hex() const {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

absl::StatusOr<Keyring> Keyring::Load(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("keyring ", path, ": no file"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": not a regular file"));
  }
  if ((st.st_mode & 0077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "keyring ", path,
        ": group or others may access it; refusing to use it (chmod 600)"));
  }
  absl::StatusOr<std::string> text = ReadSecretFile(fd, path);
  if (!text.ok()) return text.status();
  absl::StatusOr<SecretKey> master = ParseKeyring(*text, path);
  OPENSSL_cleanse(text->data(), text->size());
  if (!master.ok()) return master.status();
  return Keyring(*master);
}

absl::StatusOr<Keyring> Keyring::Parse(absl::string_view text,
                                       absl::string_view source) {
  ASSIGN_OR_RETURN(SecretKey master, ParseKeyring(text, source));
  return Keyring(master);
}

absl::StatusOr<Keyring> Keyring::Create(const std::string& path) {
  SecretKey master;
  if (RAND_priv_bytes(master.mutable_data(), SecretKey::kSize) != 1) {
    return absl::InternalError("keyring: no randomness for a new key");
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("keyring ", path, ": exists; never overwritten"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
  }
  std::string hex = master.Hex();
  std::string text = absl::StrCat(kHeader, "\n", kMasterPrefix, hex, "\n");
  OPENSSL_cleanse(hex.data(), hex.size());
  bool ok = write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  int saved_errno = errno;
  OPENSSL_cleanse(text.data(), text.size());
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(saved_errno)));
  }
  return Keyring(master);
}

absl::StatusOr<Keyring> Keyring::LoadOrCreate(const std::string& path) {
  absl::StatusOr<Keyring> keyring = Load(path);
  if (absl::IsNotFound(keyring.status())) return Create(path);
  return keyring;
}

SecretKey Keyring::Derive(absl::string_view label) const {
  SecretKey derived;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<uint8_t*>(master_.data()),
                                        master_.size()),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_INFO, const_cast<char*>(label.data()), label.size()),
      OSSL_PARAM_construct_end()};
  // HKDF-SHA-256 with valid parameters cannot fail short of memory
  // exhaustion; abort rather than run with a zero key.
  if (ctx == nullptr || EVP_KDF_derive(ctx, derived.mutable_data(),
                                       derived.size(), params) != 1) {
    std::abort();
  }
  EVP_KDF_CTX_free(ctx);
  return derived;
}

}  // namespace consentd::crypto
