// CommitQueue: group commit for the ledger's writes.
//
// Writes are queued in the order the ledger validated them. The queue's
// committer thread commits everything queued in one durable transaction
// (one fsync for many writes), adds the facts to the in-memory index, then
// wakes the waiting writers of the batch and hands the callbacks of the
// others to the announcer thread, and goes on to the next batch while they
// run (answering an RPC costs about as much as committing its fact);
// meanwhile later writes queue. A write is acknowledged only after its batch
// is durable and visible to checks. Writers that pass a callback need no
// thread of their own while they wait: an RPC can be finished from the
// callback.
//
// Until committed, queued facts are visible to the ledger's refusal checks
// (PendingFacts), never to Check. If a batch fails, every write in it gets
// the error; a later write validated against one of its facts may have been
// refused (fail closed) or flagged as lifting a refusal that never landed.
//
// Thread-safety: safe for concurrent use. The caller serialises Enqueue with
// the checks that read PendingFacts, so that queue order is validation order.
#ifndef CONSENTD_SERVICE_CORE_COMMIT_QUEUE_H_
#define CONSENTD_SERVICE_CORE_COMMIT_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/digest.h"
#include "policy/fact.h"
#include "policy/policy_model.h"
#include "service/core/fact_index.h"
#include "service/core/live_policy.h"
#include "service/store/fact_store.h"

namespace consentd::core {

// Queued facts carry provisional ids from here up: they order after every
// id the store will ever assign.
inline constexpr int64_t kFirstProvisionalFactId =
    std::numeric_limits<int64_t>::max() / 2;

class CommitQueue {
 public:
  class Write;
  using Ticket = std::shared_ptr<Write>;

  // A write's outcome: the store's ids for its facts, or, for a write whose
  // idempotency key was held already (a replay), what the key holds; its
  // facts were then neither written nor indexed.
  struct Committed {
    std::vector<int64_t> ids;
    std::optional<store::HeldClaim> replay;
  };

  // Called once with the write's outcome when its batch is durable and
  // indexed, or with the batch's error. Runs on the announcer thread, in
  // commit order: it must not block (it would delay the answers to later
  // writes, not their commits).
  using OnCommitted = absl::AnyInvocable<void(absl::StatusOr<Committed>) &&>;

  // Every pointer must outlive the queue. Starts the committer and announcer
  // threads.
  CommitQueue(store::FactStore* store, FactIndex* index,
              const LivePolicy* policy);
  // Commits whatever is queued and runs every callback, then stops the
  // threads.
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Queues one write (its facts, one per identifier, its audit entry, whose
  // fact_count is set here, and its idempotency claim, if it has a key).
  // Wait for it with Await, or hear of it through `on_committed`. With a
  // non-OK `unless_replayed` the write only joins an earlier one with its
  // key: its facts are neither pending nor ever written, and when the key
  // is not held at its commit (the earlier one failed) it fails with that
  // status.
  Ticket Enqueue(std::vector<store::FactRecord> records,
                 store::AuditDraft audit, OnCommitted on_committed = nullptr,
                 store::IdempotencyClaim claim = {},
                 absl::Status unless_replayed = absl::OkStatus())
      ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until the write's batch is durable and indexed, and returns its
  // outcome; or the batch's error.
  absl::StatusOr<Committed> Await(const Ticket& ticket)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until every queued write is committed (or failed); their
  // callbacks may still be running. The caller keeps new writes from being
  // queued meanwhile.
  void Drain() ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until the batch being committed, if one is, is indexed: a write
  // the store already shows is then visible to checks too (the store
  // shows a batch before it is indexed).
  void AwaitIndexed() ABSL_LOCKS_EXCLUDED(mu_);

  // Group commits made (each one transaction and one fsync), the writes
  // they carried, and the time spent in them, since start: their ratios
  // are the mean batch size and commit latency.
  struct Totals {
    int64_t commits = 0;
    int64_t writes = 0;
    absl::Duration committing;
  };
  Totals totals() const;

  // The queued, uncommitted facts of `digest`, with provisional ids that
  // order after every committed fact. Read these before the index: a fact
  // leaves the queue only after it is in the index.
  std::vector<policy::Fact> PendingFacts(const crypto::Digest& digest) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The committer thread: one batch after another until stopped.
  void CommitLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Commits `batch` (taken from the queue) and publishes the outcome.
  void CommitBatch(const std::vector<Ticket>& batch) ABSL_LOCKS_EXCLUDED(mu_);
  // The announcer thread: runs committed writes' callbacks until stopped.
  void AnnounceLoop() ABSL_LOCKS_EXCLUDED(announce_mu_);

  store::FactStore* const store_;
  FactIndex* const index_;
  const LivePolicy* const policy_;

  mutable absl::Mutex mu_;
  std::deque<Ticket> queue_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  // Batches committed and indexed (or failed) so far.
  uint64_t batches_done_ ABSL_GUARDED_BY(mu_) = 0;
  // Totals; written by the committer alone.
  std::atomic<int64_t> commits_ = 0;
  std::atomic<int64_t> writes_ = 0;
  std::atomic<int64_t> committing_us_ = 0;
  absl::flat_hash_map<crypto::Digest, std::vector<policy::Fact>,
                      crypto::DigestHash>
      pending_ ABSL_GUARDED_BY(mu_);
  int64_t next_provisional_id_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Its own lock, so that handing over a batch wakes no writer waiting in
  // Await (absl re-checks their conditions whenever mu_ is released).
  absl::Mutex announce_mu_;
  // Committed writes with callbacks, in commit order.
  std::deque<Ticket> announcements_ ABSL_GUARDED_BY(announce_mu_);
  bool committer_stopped_ ABSL_GUARDED_BY(announce_mu_) = false;

  // Last: they start once everything above is ready.
  std::thread announcer_;
  std::thread committer_;
};

class CommitQueue::Write {
 private:
  friend class CommitQueue;
  std::vector<store::FactRecord> records;
  store::AuditDraft audit;
  store::IdempotencyClaim claim;
  absl::Status unless_replayed;
  std::vector<int64_t> provisional_ids;
  OnCommitted on_committed;
  bool done = false;
  absl::Status status;
  Committed committed;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_COMMIT_QUEUE_H_
