#include "crypto/keyring.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/file.h>
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
constexpr size_t kMaxKeyringFileSize = Keyring::kMaxTextSize;

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

// What a keyring file holds.
struct KeyringContents {
  SecretKey master;
  std::vector<SecretKey> database;
  std::vector<SecretKey> signing;
};

absl::StatusOr<SecretKey> ParseKey(absl::string_view hex,
                                   absl::string_view path,
                                   absl::string_view what) {
  if (hex.size() != 2 * SecretKey::kSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": ", what, " must be 64 hex digits"));
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
            "keyring ", path, ": ", what, " must be 64 hex digits"));
      }
      value = value * 16 + digit;
    }
    key.mutable_data()[i] = static_cast<uint8_t>(value);
  }
  return key;
}

absl::StatusOr<KeyringContents> ParseKeyring(absl::string_view text,
                                             absl::string_view path) {
  if (text.size() > kMaxKeyringFileSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": too large to be a keyring"));
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipWhitespace());
  if (lines.size() < 2 || lines[0] != kHeader ||
      !absl::ConsumePrefix(&lines[1], kMasterPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring ", path, ": not a consentd keyring"));
  }
  KeyringContents contents;
  ASSIGN_OR_RETURN(contents.master, ParseKey(lines[1], path, "master key"));
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], ' ');
    std::vector<SecretKey>* versions =
        fields.size() != 3        ? nullptr
        : fields[0] == "database" ? &contents.database
        : fields[0] == "signing"  ? &contents.signing
                                  : nullptr;
    if (versions == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("keyring ", path, ": line ", i + 1,
                       " is not \"database N KEY\" or \"signing N KEY\""));
    }
    const size_t expected = versions->size() + 2;
    if (fields[1] != absl::StrCat(expected) ||
        versions->size() + 1 >= static_cast<size_t>(Keyring::kMaxVersions)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "keyring ", path, ": line ", i + 1, " should be ", fields[0],
          " version ", expected, " (versions count up from 2, at most ",
          Keyring::kMaxVersions, ")"));
    }
    ASSIGN_OR_RETURN(SecretKey key, ParseKey(fields[2], path,
                                             absl::StrCat(fields[0], " key")));
    versions->push_back(key);
  }
  return contents;
}

// The file format of `contents`. The caller wipes the result.
std::string KeyringText(const KeyringContents& contents) {
  std::string text;
  // Reserved whole, so that no reallocation leaves key material behind in
  // freed memory.
  text.reserve(kMaxKeyringFileSize + 128);
  absl::StrAppend(&text, kHeader, "\n", kMasterPrefix);
  const auto append_key = [&text](const SecretKey& key) {
    std::string hex = key.Hex();
    absl::StrAppend(&text, hex, "\n");
    OPENSSL_cleanse(hex.data(), hex.size());
  };
  append_key(contents.master);
  for (size_t i = 0; i < contents.database.size(); ++i) {
    absl::StrAppend(&text, "database ", i + 2, " ");
    append_key(contents.database[i]);
  }
  for (size_t i = 0; i < contents.signing.size(); ++i) {
    absl::StrAppend(&text, "signing ", i + 2, " ");
    append_key(contents.signing[i]);
  }
  return text;
}

// Writes `text` to a new file at `path` (mode 0600, synced); wipes `text`.
absl::Status WriteSecretFile(const std::string& path, std::string& text,
                             int flags) {
  int fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | flags, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(text.data(), text.size());
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("keyring ", path, ": exists; never overwritten"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
  }
  bool ok = fchmod(fd, 0600) == 0 &&
            write(fd, text.data(), text.size()) ==
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
  return absl::OkStatus();
}

absl::StatusOr<KeyringContents> ReadKeyringFile(const std::string& path) {
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
  absl::StatusOr<KeyringContents> contents = ParseKeyring(*text, path);
  OPENSSL_cleanse(text->data(), text->size());
  return contents;
}

}  // namespace

std::string SecretKey::Hex() const {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

absl::StatusOr<Keyring> Keyring::Load(const std::string& path) {
  ASSIGN_OR_RETURN(KeyringContents contents, ReadKeyringFile(path));
  return Keyring(contents.master, std::move(contents.database),
                 std::move(contents.signing));
}

absl::StatusOr<Keyring> Keyring::Parse(absl::string_view text,
                                       absl::string_view source) {
  ASSIGN_OR_RETURN(KeyringContents contents, ParseKeyring(text, source));
  return Keyring(contents.master, std::move(contents.database),
                 std::move(contents.signing));
}

absl::StatusOr<Keyring> Keyring::Create(const std::string& path) {
  KeyringContents contents;
  if (RAND_priv_bytes(contents.master.mutable_data(), SecretKey::kSize) != 1) {
    return absl::InternalError("keyring: no randomness for a new key");
  }
  std::string text = KeyringText(contents);
  RETURN_IF_ERROR(WriteSecretFile(path, text, O_EXCL));
  return Keyring(contents.master, {}, {});
}

absl::StatusOr<Keyring> Keyring::LoadOrCreate(const std::string& path) {
  absl::StatusOr<Keyring> keyring = Load(path);
  if (absl::IsNotFound(keyring.status())) return Create(path);
  return keyring;
}

absl::StatusOr<int> Keyring::AddKey(const std::string& path, Kind kind) {
  const std::string lock_path = path + ".lock";
  int lock_fd =
      open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (lock_fd >= 0) close(lock_fd);
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": cannot lock ", lock_path,
                     " (another --add-key running?)"));
  }
  std::unique_ptr<int, void (*)(int*)> unlock(&lock_fd,
                                              [](int* f) { close(*f); });
  ASSIGN_OR_RETURN(KeyringContents contents, ReadKeyringFile(path));
  struct stat owner;
  if (stat(path.c_str(), &owner) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
  }
  std::vector<SecretKey>& versions =
      kind == Kind::kDatabase ? contents.database : contents.signing;
  if (versions.size() + 1 >= static_cast<size_t>(kMaxVersions)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "keyring ", path, ": holds ", kMaxVersions, " versions already"));
  }
  SecretKey key;
  if (RAND_priv_bytes(key.mutable_data(), SecretKey::kSize) != 1) {
    return absl::InternalError("keyring: no randomness for a new key");
  }
  versions.push_back(key);
  const std::string next = path + ".new";
  unlink(next.c_str());  // a leftover of an interrupted AddKey
  std::string text = KeyringText(contents);
  if (text.size() > kMaxKeyringFileSize) {
    OPENSSL_cleanse(text.data(), text.size());
    return absl::ResourceExhaustedError(
        absl::StrCat("keyring ", path, ": no room for another key"));
  }
  RETURN_IF_ERROR(WriteSecretFile(next, text, O_EXCL));
  // The same owner as the file it replaces: an AddKey run as root must not
  // leave consentd's own keyring unreadable to it.
  if (chown(next.c_str(), owner.st_uid, owner.st_gid) != 0 ||
      rename(next.c_str(), path.c_str()) != 0) {
    unlink(next.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("keyring ", path, ": ", std::strerror(errno)));
  }
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = dir_fd >= 0 && fsync(dir_fd) == 0;
  if (dir_fd >= 0) close(dir_fd);
  if (!synced) {
    return absl::FailedPreconditionError(absl::StrCat(
        "keyring ", path, ": written, but its directory cannot be synced"));
  }
  return static_cast<int>(versions.size()) + 1;
}

std::vector<Keyring::Versioned> Keyring::Versions(
    const std::vector<SecretKey>& secrets, absl::string_view label) const {
  std::vector<Versioned> versions;
  for (size_t i = secrets.size(); i > 0; --i) {
    versions.push_back(
        {static_cast<int>(i) + 1, Derive(secrets[i - 1], label)});
  }
  versions.push_back({1, Derive(master_, label)});
  return versions;
}

std::vector<Keyring::Versioned> Keyring::DatabaseKeys() const {
  return Versions(database_, "consentd/v1/database");
}

std::vector<Keyring::Versioned> Keyring::ReceiptSigningSeeds() const {
  return Versions(signing_, "consentd/v1/receipt-signing");
}

std::vector<Keyring::Versioned> Keyring::AuditSigningSeeds() const {
  return Versions(signing_, "consentd/v1/audit-signing");
}

SecretKey Keyring::Derive(const SecretKey& key, absl::string_view label) {
  SecretKey derived;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()), key.size()),
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
