// ErasureJournalFile: every erasure consentd has carried out, in a file of
// its own outside the database, so that restoring an older copy of the
// database cannot bring an erased person back: at every start consentd
// re-applies each journalled erasure the database lacks (ErasureReplay).
//
// An erasure is appended, and synced to disk, before the database erases:
// once an erasure is acknowledged it is in the journal, and a crash between
// the two leaves an erasure the journal holds and the database will be
// given at the next start. The file is append-only text, one erasure a
// line: "erasure <microseconds> <request id> <digest hex>,<digest hex>...
// <mac hex>", where the MAC is HMAC-SHA-256 under the keyring's journal key
// of the previous line's MAC and the line before its MAC. So no line can be
// altered, forged, removed from the middle or moved without the key; a
// line torn by a crash (no newline at the end) was never acknowledged and
// is cut off at Open. It holds keyed digests and request ids, never an
// identifier. What it cannot show is lines cut from its end: keep it on a
// volume the database's backups do not roll back.
//
// Thread-safety: safe to share; Append is serialised.
#ifndef CONSENTD_SERVICE_CORE_ERASURE_JOURNAL_FILE_H_
#define CONSENTD_SERVICE_CORE_ERASURE_JOURNAL_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/digest.h"
#include "crypto/secret_key.h"

namespace consentd::core {

struct JournalledErasure {
  // Microseconds since the Unix epoch.
  int64_t erased_us = 0;
  std::string request_id;
  // 1 to kMaxDigestsPerErasure.
  std::vector<crypto::Digest> digests;
};

class ErasureJournalFile {
 public:
  // The most digests one erasure names (a request names at most 16
  // identifiers; room to spare).
  static constexpr size_t kMaxDigestsPerErasure = 64;
  // The longest request id journalled.
  static constexpr size_t kMaxRequestIdLength = 128;

  // Opens the journal at `path`, creating it (mode 0600, synced with its
  // directory) when absent, reads and verifies every line under `key`, cuts
  // a torn last line, and locks the file against a second consentd.
  // Errors: FAILED_PRECONDITION when it cannot be opened, created or read,
  // or another process holds it; DATA_LOSS when a line does not verify
  // (altered, forged, reordered, or a different keyring), naming the line.
  static absl::StatusOr<std::unique_ptr<ErasureJournalFile>> Open(
      const std::string& path, const crypto::SecretKey& key);
  ~ErasureJournalFile();
  ErasureJournalFile(const ErasureJournalFile&) = delete;
  ErasureJournalFile& operator=(const ErasureJournalFile&) = delete;

  // Appends `erasure` and syncs it to disk before returning OK. Errors:
  // INVALID_ARGUMENT for no digests, too many, or a request id that is
  // empty, too long or not printable without spaces; RESOURCE_EXHAUSTED
  // when the disk is full; FAILED_PRECONDITION for other write or sync
  // failures, and for every append after one whose bytes could not be cut
  // back (restart consentd). A failed append leaves at most a torn line, which
  // the next Open cuts, and is not in erasures().
  absl::Status Append(const JournalledErasure& erasure)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every erasure in the file, oldest first.
  std::vector<JournalledErasure> erasures() const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& path() const { return path_; }

 private:
  ErasureJournalFile(std::string path, int fd, const crypto::SecretKey& key);

  const std::string path_;
  const int fd_;
  const crypto::SecretKey key_;
  mutable absl::Mutex mu_;
  std::vector<JournalledErasure> erasures_ ABSL_GUARDED_BY(mu_);
  // The last line's MAC (zeros before the first line), which the next
  // line's MAC covers.
  crypto::Digest last_mac_ ABSL_GUARDED_BY(mu_){};
  // The file's length up to the end of the last whole line; a failed append
  // is cut back to it.
  off_t end_ ABSL_GUARDED_BY(mu_) = 0;
  // A failed append could not be cut back: appends are refused.
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_ERASURE_JOURNAL_FILE_H_
