// SuppressionLists: the external suppression lists (national do-not-call
// registers, litigator lists, internal lists) in memory, each one version of
// one list as a set of digests. A new version takes its list's place in one
// step, so a check sees the old version or the new, never half of either.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_SUPPRESSION_LISTS_H_
#define CONSENTD_SERVICE_CORE_SUPPRESSION_LISTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/digest.h"
#include "policy/decision.h"

namespace consentd::core {

// One version of one list. Immutable once shared.
struct SuppressionList {
  std::string name;
  std::string version;
  // The purposes and channels it applies to; empty = every.
  std::vector<policy::ScopeId> purposes;
  std::vector<policy::ScopeId> channels;
  absl::flat_hash_set<crypto::Digest, crypto::DigestHash> digests;

  bool AppliesTo(const policy::CheckQuery& query) const;
};

class SuppressionLists {
 public:
  using ListPtr = std::shared_ptr<const SuppressionList>;

  // Puts `list` in place of the list of the same name, if any.
  void Replace(ListPtr list) ABSL_LOCKS_EXCLUDED(mu_);

  // Removes the list `name`, if any.
  void Drop(absl::string_view name) ABSL_LOCKS_EXCLUDED(mu_);

  // Whether a list named `name` is held.
  bool Contains(absl::string_view name) const ABSL_LOCKS_EXCLUDED(mu_) {
    return Find(name) != nullptr;
  }
  // The list named `name`, or nullptr.
  ListPtr Find(absl::string_view name) const ABSL_LOCKS_EXCLUDED(mu_);

  // The lists that apply to `query`, in name order: a snapshot to look
  // digests up in without a lock (each list is immutable, and the pointers
  // keep it alive however it is replaced meanwhile).
  using Snapshot = absl::InlinedVector<ListPtr, 4>;
  Snapshot Applying(const policy::CheckQuery& query) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The names of every list that holds `digest`, whatever it applies to.
  std::vector<std::string> NamesHolding(const crypto::Digest& digest) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Entries held across every list.
  size_t entry_count() const ABSL_LOCKS_EXCLUDED(mu_);
  // Lists held.
  size_t list_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  // Sorted by name.
  std::vector<ListPtr> lists_ ABSL_GUARDED_BY(mu_);
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_SUPPRESSION_LISTS_H_
