// FactStore: the durable, append-only record of consent facts (grants,
// withdrawals, objections, restrictions, erasure tombstones), keyed by the
// blind-index digest of an identifier. The in-memory FactIndex is rebuilt
// from it at start-up; the ledger writes through it.
//
// Durability: a call that returns OK has committed, and what it wrote
// survives a crash or power loss of the machine. A call that fails has
// written nothing (each write is one transaction).
//
// Ordering: writes are applied one after another in a single commit order,
// which every reader observes; a fact's id is greater than that of every
// fact held when it was appended. The id of a deleted fact (an erasure, a
// rectification) may be given again to a later one, so an id names a fact
// only while that fact is held. A replica that applies the commits in the
// same order holds the same facts with the same ids.
//
// Errors, for every method (each method names the others it can return):
//   UNAVAILABLE         busy or a transient I/O error. Nothing was written,
//                       except when the error came from the commit itself
//                       (its sync), after which the write may still be
//                       found durable: a retried append may then append
//                       twice.
//   RESOURCE_EXHAUSTED  the disk is full.
//   FAILED_PRECONDITION the store is read-only or otherwise unusable.
//   DATA_LOSS           the store is corrupt.
//   INTERNAL            anything else.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_FACT_STORE_H_
#define CONSENTD_SERVICE_STORE_FACT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/digest.h"
#include "service/store/audit_record.h"
#include "service/store/fact_record.h"

namespace consentd::store {

// A write's idempotency key, claimed in AppendFacts: a later write by the
// same principal with the same key, while the claim is kept, is a replay.
struct IdempotencyClaim {
  // Empty: the write claims no key.
  std::string principal;
  std::string key;
  // Names the request, so that a key reused for another can be told.
  crypto::Digest fingerprint{};
  // The caller's answer to the write, less its fact ids; opaque here.
  std::string answer;
  // When the write was made (ForgetClaims counts from it), microseconds
  // since the Unix epoch.
  int64_t recorded_us = 0;
  // The write only joins an earlier one with this key: when the key is not
  // held (the earlier one failed), nothing of it is written and it is not
  // a replay either.
  bool replay_only = false;
};

// What a held key says: the first write's fingerprint, answer, fact ids.
struct HeldClaim {
  crypto::Digest fingerprint{};
  std::string answer;
  std::vector<int64_t> fact_ids;
};

// The outcome of AppendFacts.
struct AppendOutcome {
  // The ids of the facts appended, in order; a replayed write's facts are
  // not appended and have none here.
  std::vector<int64_t> fact_ids;
  // One per write (audit draft): set when the write's key was held
  // already (before the call, or by an earlier write of the same call).
  std::vector<std::optional<HeldClaim>> replayed;
};

class FactStore {
 public:
  virtual ~FactStore() = default;

  // Appends the writes of one group commit in one transaction: each write
  // is an entry of `audit` and the next fact_count of `facts` (AuditDraft),
  // and, when `claims` is not empty, claims[i] (one per write). A write
  // whose claimed key the principal holds already is a replay: neither its
  // facts nor its entry are written, and the outcome names the held claim.
  // A replay-only write (IdempotencyClaim) whose key is not held is not
  // written at all, and is no replay either.
  // The other writes' facts and entries are appended and their keys
  // claimed. INVALID_ARGUMENT, writing nothing, when the counts do not add
  // up or `claims` has another size.
  virtual absl::StatusOr<AppendOutcome> AppendFacts(
      absl::Span<const FactRecord> facts, absl::Span<const AuditDraft> audit,
      absl::Span<const IdempotencyClaim> claims) = 0;

  // The claim `principal` holds on `key`, or nullopt.
  virtual absl::StatusOr<std::optional<HeldClaim>> FindClaim(
      const std::string& principal, const std::string& key) = 0;

  // Forgets every claim made before `before_us`: a write with its key is
  // then new again.
  virtual absl::Status ForgetClaims(int64_t before_us) = 0;

  // Calls `visit` for every fact, in id order; stops at the first error
  // `visit` returns and returns it. Sees one consistent state: writes
  // that commit during the scan are either wholly in it or not at all.
  virtual absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const FactSummary&)> visit) = 0;

  // Every fact recorded for `digest`, in the order they took effect (by
  // recorded_us, then fact id); empty when there is none.
  virtual absl::StatusOr<std::vector<FactRecord>> FactsFor(
      const crypto::Digest& digest) = 0;

  // Erases a subject, in one transaction: deletes every fact of `digests`
  // recorded up to `recorded_up_to_us` (INT64_MAX: all of them; an erasure
  // journalled earlier and given to the store late keeps what was recorded
  // after it, the subject's own later doing), appends `tombstones` (the
  // ERASURE facts that keep the subject suppressed) and records each digest
  // under `request_id` in the erasure journal (ErasureJournal), and appends
  // `audit`'s entry (its fact count that of the tombstones). Returns the
  // tombstones' ids, in order. Old copies of the deleted rows may remain in the
  // backend's files until PurgeDeletedCopies; audit entries are never deleted.
  virtual absl::StatusOr<std::vector<int64_t>> EraseFacts(
      absl::Span<const crypto::Digest> digests,
      absl::Span<const FactRecord> tombstones, const std::string& request_id,
      int64_t erased_us, int64_t recorded_up_to_us,
      const AuditDraft& audit) = 0;

  // Rectifies an identifier, in one transaction: deletes the consent grants
  // recorded for `from` (they were about the wrong identifier; its refusals
  // stay) and appends `copies` (the subject's facts re-recorded for the
  // identifier that replaces it), and appends `audit`'s entry (its fact
  // count that of the copies). Returns the copies' ids, in order.
  virtual absl::StatusOr<std::vector<int64_t>> RectifyFacts(
      const crypto::Digest& from, absl::Span<const FactRecord> copies,
      const AuditDraft& audit) = 0;

  // Removes every old copy of deleted rows from the backend's files (for
  // SQLCipher: folds the write-ahead log into the database and truncates
  // it), so that no erased fact can be read back from the disk. Safe to
  // retry. UNAVAILABLE when readers kept it from finishing.
  virtual absl::Status PurgeDeletedCopies() = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_FACT_STORE_H_
