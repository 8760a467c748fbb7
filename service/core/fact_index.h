// FactIndex: every fact that bears on a decision, in memory, keyed by
// blind-index digest. Check answers from here alone, with no disk I/O; the
// ledger adds each fact after its write is durable, and the index is rebuilt
// from the store at start-up. It holds digests and compact facts only, never
// identifiers or evidence.
//
// Thread-safety: safe for concurrent use. Readers share a lock; Add takes it
// exclusively, so a reader sees all or none of one Add.
#ifndef CONSENTD_SERVICE_CORE_FACT_INDEX_H_
#define CONSENTD_SERVICE_CORE_FACT_INDEX_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "crypto/digest.h"
#include "policy/fact.h"

namespace consentd::core {

class FactIndex {
 public:
  struct Entry {
    crypto::Digest digest;
    policy::Fact fact;
  };

  // Adds facts in one step for readers.
  void Add(absl::Span<const Entry> entries) ABSL_LOCKS_EXCLUDED(mu_);

  // Drops every fact of `digests` and adds `entries`, in one step for
  // readers (an erasure: no check sees the subject with no facts at all).
  void Replace(absl::Span<const crypto::Digest> digests,
               absl::Span<const Entry> entries) ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `fn(absl::Span<const absl::Span<const policy::Fact>>)` with the
  // facts of each digest, in order (an empty span for an unknown digest),
  // under one shared lock: `fn` sees one consistent state. `fn` must not
  // call back into the index.
  template <typename Fn>
  decltype(auto) WithFacts(absl::Span<const crypto::Digest> digests,
                           Fn&& fn) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::InlinedVector<absl::Span<const policy::Fact>, 4> facts;
    facts.reserve(digests.size());
    absl::ReaderMutexLock lock(&mu_);
    for (const crypto::Digest& digest : digests) {
      auto it = facts_.find(digest);
      facts.push_back(it == facts_.end()
                          ? absl::Span<const policy::Fact>()
                          : absl::Span<const policy::Fact>(it->second));
    }
    return fn(absl::Span<const absl::Span<const policy::Fact>>(facts));
  }

  size_t identifier_count() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t fact_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<crypto::Digest, absl::InlinedVector<policy::Fact, 1>,
                      crypto::DigestHash>
      facts_ ABSL_GUARDED_BY(mu_);
  size_t fact_count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_FACT_INDEX_H_
