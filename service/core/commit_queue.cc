#include "service/core/commit_queue.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "service/core/index_fact.h"

namespace consentd::core {

CommitQueue::CommitQueue(store::FactStore* store, FactIndex* index,
                         const LivePolicy* policy)
    : store_(store),
      index_(index),
      policy_(policy),
      next_provisional_id_(kFirstProvisionalFactId),
      announcer_([this] { AnnounceLoop(); }),
      committer_([this] { CommitLoop(); }) {}

CommitQueue::~CommitQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();
  {
    absl::MutexLock lock(&announce_mu_);
    committer_stopped_ = true;
  }
  announcer_.join();
}

CommitQueue::Ticket CommitQueue::Enqueue(std::vector<store::FactRecord> records,
                                         store::AuditDraft audit,
                                         OnCommitted on_committed,
                                         store::IdempotencyClaim claim,
                                         absl::Status unless_replayed) {
  auto write = std::make_shared<Write>();
  write->records = std::move(records);
  write->audit = std::move(audit);
  write->claim = std::move(claim);
  write->claim.replay_only = !unless_replayed.ok();
  write->unless_replayed = std::move(unless_replayed);
  write->audit.fact_count = static_cast<int>(write->records.size());
  write->on_committed = std::move(on_committed);
  const PolicySnapshot policy = policy_->Current();
  absl::MutexLock lock(&mu_);
  for (const store::FactRecord& record : write->records) {
    if (write->claim.replay_only) break;  // never written: never pending
    policy::Fact fact = IndexFactOf(record, *policy);
    fact.fact_id = next_provisional_id_++;
    write->provisional_ids.push_back(fact.fact_id);
    pending_[record.digest].push_back(fact);
  }
  queue_.push_back(write);
  return write;
}

void CommitQueue::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](CommitQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu_) {
        return queue->queue_.empty() && !queue->committing_;
      },
      this));
}

CommitQueue::Totals CommitQueue::totals() const {
  return Totals{commits_.load(), writes_.load(),
                absl::Microseconds(committing_us_.load())};
}

void CommitQueue::AwaitIndexed() {
  absl::MutexLock lock(&mu_);
  if (!committing_) return;
  struct Seen {
    const CommitQueue* queue;
    uint64_t batches_done;
  } seen{this, batches_done_};
  mu_.Await(absl::Condition(
      +[](Seen* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return s->queue->batches_done_ > s->batches_done;
      },
      &seen));
}

std::vector<policy::Fact> CommitQueue::PendingFacts(
    const crypto::Digest& digest) const {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(digest);
  return it == pending_.end() ? std::vector<policy::Fact>() : it->second;
}

absl::StatusOr<CommitQueue::Committed> CommitQueue::Await(
    const Ticket& ticket) {
  absl::MutexLock lock(&mu_);
  // Checked by whoever releases the lock: a commit wakes only the writers
  // of its batch.
  mu_.Await(absl::Condition(&ticket->done));
  if (!ticket->status.ok()) return ticket->status;
  return ticket->committed;
}

void CommitQueue::CommitLoop() {
  while (true) {
    std::vector<Ticket> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CommitQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu_) {
            return queue->stopping_ || !queue->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      committing_ = true;
      batch.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    CommitBatch(batch);
    absl::MutexLock lock(&announce_mu_);
    for (Ticket& write : batch) {
      if (write->on_committed != nullptr) {
        announcements_.push_back(std::move(write));
      }
    }
  }
}

void CommitQueue::AnnounceLoop() {
  while (true) {
    std::deque<Ticket> committed;
    {
      absl::MutexLock lock(&announce_mu_);
      announce_mu_.Await(absl::Condition(
          +[](CommitQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
               queue->announce_mu_) {
            return queue->committer_stopped_ || !queue->announcements_.empty();
          },
          this));
      if (announcements_.empty()) return;  // nothing more can come
      committed.swap(announcements_);
    }
    // The batch's outcome was published under mu_ before the hand-over.
    for (const Ticket& write : committed) {
      absl::StatusOr<Committed> outcome = write->committed;
      if (!write->status.ok()) outcome = write->status;
      std::move(write->on_committed)(std::move(outcome));
    }
  }
}

void CommitQueue::CommitBatch(const std::vector<Ticket>& batch) {
  std::vector<store::FactRecord> records;
  std::vector<store::AuditDraft> audit;
  std::vector<store::IdempotencyClaim> claims;
  audit.reserve(batch.size());
  bool any_claim = false;
  for (const Ticket& write : batch) {
    records.insert(records.end(), write->records.begin(), write->records.end());
    audit.push_back(write->audit);
    any_claim = any_claim || !write->claim.key.empty();
  }
  if (any_claim) {
    claims.reserve(batch.size());
    for (const Ticket& write : batch) claims.push_back(write->claim);
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<store::AppendOutcome> outcome =
      store_->AppendFacts(records, audit, claims);
  committing_us_ += absl::ToInt64Microseconds(absl::Now() - started);
  ++commits_;
  writes_ += static_cast<int64_t>(batch.size());
  if (outcome.ok()) {
    // The appended writes' facts, with their ids; a replay's are not.
    const PolicySnapshot policy = policy_->Current();
    std::vector<FactIndex::Entry> entries;
    entries.reserve(outcome->fact_ids.size());
    size_t next_id = 0;
    for (size_t w = 0; w < batch.size(); ++w) {
      Write& write = *batch[w];
      if (outcome->replayed[w].has_value()) {
        write.committed.replay = std::move(outcome->replayed[w]);
        write.committed.ids = write.committed.replay->fact_ids;
        continue;
      }
      if (write.claim.replay_only) continue;  // nothing written; fails below
      for (store::FactRecord& record : write.records) {
        record.fact_id = outcome->fact_ids[next_id++];
        write.committed.ids.push_back(record.fact_id);
        entries.push_back({record.digest, IndexFactOf(record, *policy)});
      }
    }
    // In the index before the writers hear of it, and before the facts leave
    // the pending set (PendingFacts is read first, so none goes unseen).
    index_->Add(entries);
  }

  absl::MutexLock lock(&mu_);
  for (const Ticket& write : batch) {
    if (!outcome.ok()) {
      write->status = outcome.status();
    } else if (write->claim.replay_only && !write->committed.replay) {
      write->status = write->unless_replayed;
    }
    for (size_t i = 0; i < write->provisional_ids.size(); ++i) {
      std::vector<policy::Fact>& facts = pending_[write->records[i].digest];
      const int64_t id = write->provisional_ids[i];
      facts.erase(std::remove_if(
                      facts.begin(), facts.end(),
                      [&](const policy::Fact& f) { return f.fact_id == id; }),
                  facts.end());
      if (facts.empty()) pending_.erase(write->records[i].digest);
    }
    write->done = true;
  }
  committing_ = false;
  ++batches_done_;
}

}  // namespace consentd::core
