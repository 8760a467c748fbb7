// AuditTrail: the append-only, hash-chained record of every state change
// and every request step, and the signed checkpoints of that chain.
//
// Every write of the other store interfaces takes an AuditDraft and appends
// its entry in the write's own transaction: a change is never committed
// without its entry, nor an entry without its change. The store numbers
// entries from 1 without gaps and chains them (crypto/audit_chain.h), in
// the one commit order all the store's interfaces share. Entries are never
// changed or deleted, erasures included (they hold digests, not data).
//
// Durability, ordering and errors as FactStore's (fact_store.h), plus what
// each method names.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_AUDIT_TRAIL_H_
#define CONSENTD_SERVICE_STORE_AUDIT_TRAIL_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "consent/v1/audit.pb.h"
#include "service/store/audit_record.h"

namespace consentd::store {

// Hears of every commit that appended audit entries, with the chain's new
// head, in commit order, before the write that committed returns. It runs
// while the store is held for that write: it must be quick and must not
// call the store.
class AuditWitness {
 public:
  virtual void Committed(const AuditHead& head) = 0;

 protected:
  ~AuditWitness() = default;
};

class AuditTrail {
 public:
  virtual ~AuditTrail() = default;

  // Appends one entry for an action that changes nothing else (a first ask
  // to drop a list, a rekey, a re-anchoring) and returns its sequence.
  // INVALID_ARGUMENT for an object id with a newline or a fact_count.
  virtual absl::StatusOr<int64_t> Append(const AuditDraft& draft) = 0;

  // Calls `visit` for at most `limit` entries from `from_sequence` on, in
  // sequence order, as stored (a tampered entry is returned as it is);
  // stops at the first error `visit` returns and returns it. `visit` must
  // not call the store.
  virtual absl::Status ScanEntries(
      int64_t from_sequence, int64_t limit,
      absl::FunctionRef<absl::Status(const AuditRecord&)> visit) = 0;

  // The chain's last entry.
  virtual absl::StatusOr<AuditHead> Head() = 0;

  // Keeps a signed checkpoint, replacing one kept for the same sequence.
  virtual absl::Status SaveCheckpoint(
      const consent::v1::AuditCheckpoint& checkpoint) = 0;

  // The checkpoint kept for `sequence`, or the latest for 0. NOT_FOUND when
  // there is none.
  virtual absl::StatusOr<consent::v1::AuditCheckpoint> Checkpoint(
      int64_t sequence) = 0;

  // Calls `visit` for every kept checkpoint from `from_sequence` to
  // `to_sequence` (both included), in sequence order; `visit` must not call
  // the store.
  virtual absl::Status ScanCheckpoints(
      int64_t from_sequence, int64_t to_sequence,
      absl::FunctionRef<absl::Status(const consent::v1::AuditCheckpoint&)>
          visit) = 0;

  // Sets who hears of commits (none when null). Call before the first
  // write; `witness` must outlive the store or be unset first.
  virtual void SetWitness(AuditWitness* witness) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_AUDIT_TRAIL_H_
