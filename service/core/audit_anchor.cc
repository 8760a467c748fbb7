#include "service/core/audit_anchor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/checkpoint_signature.h"
#include "service/core/directory_sync.h"

namespace consentd::core {
namespace {

// A slot: "CDA1", a 4-byte big-endian length, the serialized checkpoint,
// zero padding.
constexpr size_t kSlotSize = 512;
constexpr char kMagic[] = "CDA1";
constexpr size_t kHeaderSize = 8;
constexpr int kSlots = 2;

absl::Status FileError(const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "audit anchor ", path, ": ", what, ": ", std::strerror(errno)));
}

// The checkpoint a slot holds, if it holds a whole one.
std::optional<consent::v1::AuditCheckpoint> ParseSlot(const char* slot) {
  if (std::memcmp(slot, kMagic, 4) != 0) return std::nullopt;
  uint32_t length = 0;
  for (int i = 4; i < 8; ++i) {
    length = (length << 8) | static_cast<unsigned char>(slot[i]);
  }
  if (length > kSlotSize - kHeaderSize) return std::nullopt;
  consent::v1::AuditCheckpoint checkpoint;
  if (!checkpoint.ParseFromArray(slot + kHeaderSize,
                                 static_cast<int>(length))) {
    return std::nullopt;
  }
  return checkpoint;
}

bool Newer(const consent::v1::AuditCheckpoint& a,
           const consent::v1::AuditCheckpoint& b) {
  if (a.sequence() != b.sequence()) return a.sequence() > b.sequence();
  if (a.at().seconds() != b.at().seconds()) {
    return a.at().seconds() > b.at().seconds();
  }
  return a.at().nanos() > b.at().nanos();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditAnchor>> AuditAnchor::Open(
    const std::string& path) {
  bool created = false;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    created = fd >= 0;
  }
  if (fd < 0) return FileError(path, "cannot open");
  std::unique_ptr<AuditAnchor> anchor(new AuditAnchor(path, fd, created));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit anchor ", path, " is in use by another consentd"));
  }
  if (created) {
    // The file and its name are durable before any entry relies on it: a
    // power loss must not leave a store with entries and no anchor.
    const std::string zeros(kSlotSize * kSlots, '\0');
    if (pwrite(fd, zeros.data(), zeros.size(), 0) !=
        static_cast<ssize_t>(zeros.size())) {
      return FileError(path, "cannot write");
    }
    RETURN_IF_ERROR(anchor->Sync());
    if (!SyncDirectory(DirectoryOf(path))) {
      return FileError(path, "cannot sync its directory");
    }
  }
  return anchor;
}

AuditAnchor::~AuditAnchor() { close(fd_); }

absl::StatusOr<std::optional<consent::v1::AuditCheckpoint>> AuditAnchor::Read(
    const AuditKeys& keys) {
  char slots[kSlotSize * kSlots];
  const ssize_t n = pread(fd_, slots, sizeof(slots), 0);
  if (n < 0) return FileError(path_, "cannot read");
  std::memset(slots + n, 0, sizeof(slots) - static_cast<size_t>(n));
  std::optional<consent::v1::AuditCheckpoint> newest;
  int newest_slot = -1;
  bool any_data = false;
  for (int slot = 0; slot < kSlots; ++slot) {
    const char* bytes = slots + slot * kSlotSize;
    for (size_t i = 0; i < kSlotSize && !any_data; ++i) {
      any_data = bytes[i] != 0;
    }
    std::optional<consent::v1::AuditCheckpoint> held = ParseSlot(bytes);
    if (!held) continue;
    auto key = keys.find(held->key_id());
    if (key == keys.end() ||
        !crypto::VerifyCheckpoint(*held, key->second).ok()) {
      continue;
    }
    if (!newest || Newer(*held, *newest)) {
      newest = std::move(held);
      newest_slot = slot;
    }
  }
  if (!newest && any_data) {
    return absl::DataLossError(absl::StrCat(
        "audit anchor ", path_,
        ": no checkpoint in it verifies with the keyring's audit keys (the "
        "file was altered, or the keyring is not this store's)"));
  }
  next_slot_ = newest_slot < 0 ? 0 : (newest_slot + 1) % kSlots;
  return newest;
}

absl::Status AuditAnchor::Write(
    const consent::v1::AuditCheckpoint& checkpoint) {
  const std::string bytes = checkpoint.SerializeAsString();
  if (bytes.size() > kSlotSize - kHeaderSize) {
    return absl::InternalError("audit anchor: checkpoint too large for a slot");
  }
  char slot[kSlotSize] = {};
  std::memcpy(slot, kMagic, 4);
  for (int i = 0; i < 4; ++i) {
    slot[4 + i] = static_cast<char>((bytes.size() >> (8 * (3 - i))) & 0xFF);
  }
  std::memcpy(slot + kHeaderSize, bytes.data(), bytes.size());
  if (pwrite(fd_, slot, sizeof(slot),
             static_cast<off_t>(next_slot_ * kSlotSize)) !=
      static_cast<ssize_t>(sizeof(slot))) {
    return FileError(path_, "cannot write");
  }
  next_slot_ = (next_slot_ + 1) % kSlots;
  return absl::OkStatus();
}

absl::Status AuditAnchor::Replace(
    const consent::v1::AuditCheckpoint& checkpoint) {
  for (int slot = 0; slot < kSlots; ++slot) {
    RETURN_IF_ERROR(Write(checkpoint));
  }
  return Sync();
}

absl::Status AuditAnchor::Sync() {
  if (fdatasync(fd_) != 0) return FileError(path_, "cannot sync");
  return absl::OkStatus();
}

}  // namespace consentd::core
