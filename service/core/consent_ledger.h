// ConsentLedger: the write path. Records consent, withdrawals and
// objections durably, then makes them visible to checks; reads back what is
// held for an identifier.
//
// Refusals are sticky: while an erasure, objection or withdrawal stands for
// a purpose and channel, consent for them is accepted only when collected by
// a method the policy counts as subject-initiated, and dated after the
// refusal; the recorded fact then says it lifted a refusal. Anything else is
// FAILED_PRECONDITION and records nothing.
//
// Writes are durable and visible to checks when acknowledged. They are
// validated one at a time, in order, and committed in groups (CommitQueue):
// one fsync serves every write that arrived while the previous group was
// being committed.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_CONSENT_LEDGER_H_
#define CONSENTD_SERVICE_CORE_CONSENT_LEDGER_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "access/caller.h"
#include "consent/v1/consent.pb.h"
#include "policy/policy_model.h"
#include "service/core/clock.h"
#include "service/core/commit_queue.h"
#include "service/core/erasure_journal_file.h"
#include "service/core/fact_index.h"
#include "service/core/identifier_resolver.h"
#include "service/core/live_policy.h"
#include "service/store/audit_trail.h"
#include "service/store/fact_store.h"

namespace consentd::core {

class ConsentLedger {
 public:
  // Every pointer must outlive the ledger. Reads of a whole record are
  // audited in `audit`; writes in their own transactions; erasures are
  // journalled in `journal` first.
  ConsentLedger(store::FactStore* store, store::AuditTrail* audit,
                ErasureJournalFile* journal, FactIndex* index,
                const LivePolicy* policy, const IdentifierResolver* resolver,
                Clock clock);

  // Loads every stored fact into the index; call once, before serving.
  absl::Status LoadIndex();

  // The group commits' totals (CommitQueue::totals).
  CommitQueue::Totals commit_totals() const { return commits_.totals(); }

  // Receives a write's outcome, once.
  template <typename Response>
  using Completion = absl::AnyInvocable<void(absl::StatusOr<Response>) &&>;

  // Records a consent grant or withdrawal by `caller` (whose principal
  // each fact keeps) for every identifier of the request. Each fact takes
  // effect when recorded; an `occurred_at` later than that (within the
  // tolerated skew) is recorded as the recording time. OK means durable
  // and visible to checks. Errors: INVALID_ARGUMENT for bad input;
  // PERMISSION_DENIED for a grant by a caller without the collector role
  // (the only role whose grants are recorded, and so may lift a refusal);
  // FAILED_PRECONDITION when a grant meets a standing refusal it may not
  // lift; store errors (UNAVAILABLE, RESOURCE_EXHAUSTED, ...) when the
  // write did not happen.
  absl::StatusOr<consent::v1::RecordConsentResponse> RecordConsent(
      const access::Caller& caller,
      const consent::v1::RecordConsentRequest& request)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // The same without waiting: `done` is called on this thread for a write
  // refused before it is queued, else on the commit queue's thread once the
  // write is durable and visible (or failed); there it must not block.
  void RecordConsent(const access::Caller& caller,
                     const consent::v1::RecordConsentRequest& request,
                     Completion<consent::v1::RecordConsentResponse> done)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Records an objection by `caller` for every identifier of the request,
  // effective when recorded. Errors as RecordConsent, less
  // PERMISSION_DENIED and FAILED_PRECONDITION.
  absl::StatusOr<consent::v1::RecordObjectionResponse> RecordObjection(
      const access::Caller& caller,
      const consent::v1::RecordObjectionRequest& request)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // The same without waiting, as the RecordConsent above.
  void RecordObjection(const access::Caller& caller,
                       const consent::v1::RecordObjectionRequest& request,
                       Completion<consent::v1::RecordObjectionResponse> done)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Records one fact of `kind` (OBJECTION: global; RESTRICTION;
  // RESTRICTION_LIFTED) for each of `digests`, carrying out data-subject
  // request `request_id` for `caller`. Returns the facts' ids once
  // durable and visible to checks. Errors: store errors.
  absl::StatusOr<std::vector<int64_t>> RecordForRequest(
      absl::Span<const crypto::Digest> digests, consent::v1::FactKind kind,
      const std::string& request_id, const access::Caller& caller)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Forgets the subjects of `digests` for erasure request `request_id`:
  // every fact recorded for them is deleted from the store (and its WAL)
  // and replaced by an ERASURE tombstone, which keeps them suppressed; the
  // erasure is journalled (ErasureJournalFile, synced) before the store
  // erases. Queued writes are committed first, so none of the subject's
  // can land afterwards. Returns the tombstones' fact ids. Errors: the
  // journal's (then nothing was erased); store errors: if the deletion
  // failed nothing was erased in the store (the journal holds the erasure,
  // and the store is given it at the next start or by erasing again); if only
  // the WAL truncation failed (UNAVAILABLE after a few tries within the
  // call: a reader of the files held the old copies), the subject is
  // already erased and suppressed, and erasing again is safe: it deletes
  // the first tombstones with the rest, so one tombstone stays, and
  // finishes the truncation.
  absl::StatusOr<std::vector<int64_t>> Erase(
      absl::Span<const crypto::Digest> digests, const std::string& request_id,
      const access::Caller& caller) ABSL_LOCKS_EXCLUDED(write_mu_);

  // Gives the store a journalled erasure it lacks (after a restore of an
  // older copy, or a crash between journal and store), as Erase without
  // journalling again; the tombstones keep the erasure's own date.
  absl::StatusOr<std::vector<int64_t>> Reapply(const JournalledErasure& erasure,
                                               const access::Caller& caller)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Rectifies identifier `from` to `to`, for request `request_id` and
  // `caller`: every
  // fact of `from` is re-recorded for `to` (keeping its dates and evidence),
  // and `from` keeps its refusals but loses its consent grants, which were
  // recorded against the wrong identifier. A copied grant never lifts a
  // refusal `to` already had. Returns the copies' ids. Errors:
  // INVALID_ARGUMENT when they are the same identifier; FAILED_PRECONDITION
  // when `from` was erased; store errors (nothing changed).
  absl::StatusOr<std::vector<int64_t>> Rectify(const crypto::Digest& from,
                                               const crypto::Digest& to,
                                               const std::string& request_id,
                                               const access::Caller& caller)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Everything recorded for `digest`, in the order it occurred. Errors:
  // store errors.
  absl::StatusOr<std::vector<consent::v1::RecordedFact>> FactsFor(
      const crypto::Digest& digest) const;

  // Everything recorded for one identifier, in the order it occurred, read
  // by `caller`: the read is audited ("record.read") before it is answered.
  // Errors: INVALID_ARGUMENT for an identifier that cannot be normalised;
  // store errors (then nothing is answered).
  absl::StatusOr<consent::v1::GetRecordResponse> GetRecord(
      const access::Caller& caller,
      const consent::v1::GetRecordRequest& request) const;

 private:
  // A validated write: the digests of its identifiers, the fact to record
  // for each and its audit entry.
  struct PreparedWrite {
    std::vector<crypto::Digest> digests;
    store::FactRecord fact;
    store::AuditDraft audit;
  };

  // Erases `erasure` (already journalled) in the store and the index: the
  // facts recorded up to `recorded_up_to_us` (FactStore::EraseFacts), its
  // tombstones dated when it was journalled.
  absl::StatusOr<std::vector<int64_t>> EraseInStore(
      const JournalledErasure& erasure, int64_t recorded_up_to_us,
      const access::Caller& caller) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Validates what every write shares (evidence, time, identifiers) and
  // prepares its fact of `kind`, recorded under `policy`.
  template <typename Request>
  absl::StatusOr<PreparedWrite> Prepare(const policy::PolicyModel& policy,
                                        const access::Caller& caller,
                                        const Request& request,
                                        consent::v1::FactKind kind) const;

  // Whether recording `grant` lifts a standing refusal, looking at the
  // committed and the queued facts; an error when a refusal stands that it
  // may not lift.
  absl::StatusOr<bool> CheckStandingRefusals(
      const policy::PolicyModel& policy,
      absl::Span<const crypto::Digest> digests, const store::FactRecord& grant,
      policy::ScopeId purpose, policy::ScopeId channel, int64_t now_us) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // The channels a fact for `channel` covers: itself, or every channel.
  static std::vector<policy::ScopeId> ChannelsCovered(
      const policy::PolicyModel& policy, policy::ScopeId channel);

  // Validates the write and queues it with `done` (moved from only then).
  absl::Status QueueConsent(
      const access::Caller& caller,
      const consent::v1::RecordConsentRequest& request,
      Completion<consent::v1::RecordConsentResponse>& done)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status QueueObjection(
      const access::Caller& caller,
      const consent::v1::RecordObjectionRequest& request,
      Completion<consent::v1::RecordObjectionResponse>& done)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Queues one fact per digest for the next group commit, claiming
  // `claim`'s idempotency key when it has one.
  // With a non-OK `unless_replayed` the write only joins an earlier one
  // with its key (CommitQueue::Enqueue).
  CommitQueue::Ticket Enqueue(const PreparedWrite& write,
                              CommitQueue::OnCommitted on_committed = nullptr,
                              store::IdempotencyClaim claim = {},
                              absl::Status unless_replayed = absl::OkStatus())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Enqueues `write` claiming `claim`, answering `done` (moved from) with
  // `fresh` and the new fact ids, or with the first answer for a replay
  // (`unless_replayed`: as Enqueue).
  template <typename Response>
  void EnqueueAnswered(const PreparedWrite& write,
                       store::IdempotencyClaim claim, Response fresh,
                       Completion<Response>& done,
                       absl::Status unless_replayed = absl::OkStatus())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Whether a write claiming `claim`'s key is queued and not answered yet.
  bool InFlight(const store::IdempotencyClaim& claim) const
      ABSL_LOCKS_EXCLUDED(in_flight_mu_);
  static std::string ClaimName(const store::IdempotencyClaim& claim);

  // When the store holds `claim`'s key (the write is a retry of one made
  // before), answers `done` from it (moving from it), once the write is
  // visible to checks, and returns true.
  template <typename Response>
  absl::StatusOr<bool> AnsweredBefore(const store::IdempotencyClaim& claim,
                                      Completion<Response>& done);

  // Forgets idempotency keys older than the policy's window, at most once
  // per kForgetClaimsEvery.
  void ForgetOldClaims() ABSL_LOCKS_EXCLUDED(forget_mu_);
  static constexpr absl::Duration kForgetClaimsEvery = absl::Minutes(10);

  store::FactStore* const store_;
  store::AuditTrail* const audit_;
  ErasureJournalFile* const journal_;
  FactIndex* const index_;
  const LivePolicy* const policy_;
  const IdentifierResolver* const resolver_;
  const Clock clock_;

  // Serialises validation against standing refusals with queueing, so the
  // queue's order is the order writes were validated in.
  absl::Mutex write_mu_;
  // Keyed writes queued and not answered yet, by principal and key; before
  // the queue, whose last answers update it as it is destroyed.
  mutable absl::Mutex in_flight_mu_;
  absl::flat_hash_map<std::string, int> in_flight_
      ABSL_GUARDED_BY(in_flight_mu_);
  CommitQueue commits_;

  absl::Mutex forget_mu_;
  absl::Time next_forget_ ABSL_GUARDED_BY(forget_mu_) = absl::InfinitePast();
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_CONSENT_LEDGER_H_
