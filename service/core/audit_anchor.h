// AuditAnchor: the audit chain's latest signed checkpoint, kept in a file of
// its own outside the database, so that a store rolled back to an older
// copy, or one whose write-ahead log was removed, is found out at start-up:
// its chain ends before the anchor, or differs from it.
//
// The file holds two fixed-size slots, written in turn; a write torn by a
// crash spoils one slot and leaves the other, older one readable. Writes are
// not synced one by one: the store's commit is durable before its anchor is
// written, so after a power loss the anchor can only be older than the
// store, never newer, and an older anchor proves nothing false. Sync makes
// the latest write durable (at checkpoints and shutdown).
//
// Thread-safety: Sync may run beside the other calls; its user serialises
// those.
#ifndef CONSENTD_SERVICE_CORE_AUDIT_ANCHOR_H_
#define CONSENTD_SERVICE_CORE_AUDIT_ANCHOR_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "consent/v1/audit.pb.h"

namespace consentd::core {

// Public keys by key id: what checkpoints may be signed with.
using AuditKeys = absl::flat_hash_map<std::string, std::string>;

class AuditAnchor {
 public:
  // Opens the anchor file at `path`, creating it (mode 0600, synced with its
  // directory) when absent, and locks it; created() says which. Errors:
  // FAILED_PRECONDITION when it cannot be opened or created, or another
  // process holds it.
  static absl::StatusOr<std::unique_ptr<AuditAnchor>> Open(
      const std::string& path);
  ~AuditAnchor();
  AuditAnchor(const AuditAnchor&) = delete;
  AuditAnchor& operator=(const AuditAnchor&) = delete;

  bool created() const { return created_; }
  const std::string& path() const { return path_; }

  // The newest checkpoint in the file whose signature verifies with one of
  // `keys`; nullopt when the file holds none yet (new, or never written).
  // Errors: DATA_LOSS when slots hold data but none verifies (altered, or
  // signed with a key the keyring no longer has); FAILED_PRECONDITION when
  // the file cannot be read.
  absl::StatusOr<std::optional<consent::v1::AuditCheckpoint>> Read(
      const AuditKeys& keys);

  // Writes `checkpoint` into the slot not holding the newest one. Errors:
  // FAILED_PRECONDITION when it cannot be written (full disk, I/O).
  absl::Status Write(const consent::v1::AuditCheckpoint& checkpoint);

  // Writes `checkpoint` into both slots and syncs: what a restart writes,
  // and what replaces an anchor that no longer matches (re-anchoring).
  // Errors: FAILED_PRECONDITION.
  absl::Status Replace(const consent::v1::AuditCheckpoint& checkpoint);

  // Makes what was written durable. Errors: FAILED_PRECONDITION.
  absl::Status Sync();

 private:
  AuditAnchor(std::string path, int fd, bool created)
      : path_(std::move(path)), fd_(fd), created_(created) {}

  const std::string path_;
  const int fd_;
  const bool created_;
  // The slot the next write goes to.
  int next_slot_ = 0;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_AUDIT_ANCHOR_H_
