#include "service/core/fact_index.h"

namespace consentd::core {

void FactIndex::Add(absl::Span<const Entry> entries) {
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries) {
    facts_[entry.digest].push_back(entry.fact);
  }
  fact_count_ += entries.size();
}

void FactIndex::Replace(absl::Span<const crypto::Digest> digests,
                        absl::Span<const Entry> entries) {
  absl::MutexLock lock(&mu_);
  for (const crypto::Digest& digest : digests) {
    auto it = facts_.find(digest);
    if (it == facts_.end()) continue;
    fact_count_ -= it->second.size();
    facts_.erase(it);
  }
  for (const Entry& entry : entries) {
    facts_[entry.digest].push_back(entry.fact);
  }
  fact_count_ += entries.size();
}

size_t FactIndex::identifier_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return facts_.size();
}

size_t FactIndex::fact_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return fact_count_;
}

}  // namespace consentd::core
