#include "service/core/suppression_lists.h"

#include <algorithm>
#include <utility>

namespace consentd::core {
namespace {

bool InScope(const std::vector<policy::ScopeId>& scope, policy::ScopeId id) {
  return scope.empty() ||
         std::find(scope.begin(), scope.end(), id) != scope.end();
}

}  // namespace

bool SuppressionList::AppliesTo(const policy::CheckQuery& query) const {
  return InScope(purposes, query.purpose) && InScope(channels, query.channel);
}

void SuppressionLists::Replace(ListPtr list) {
  absl::MutexLock lock(&mu_);
  auto it = std::lower_bound(lists_.begin(), lists_.end(), list->name,
                             [](const ListPtr& held, const std::string& name) {
                               return held->name < name;
                             });
  if (it != lists_.end() && (*it)->name == list->name) {
    *it = std::move(list);
  } else {
    lists_.insert(it, std::move(list));
  }
}

void SuppressionLists::Drop(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  lists_.erase(
      std::remove_if(lists_.begin(), lists_.end(),
                     [&](const ListPtr& held) { return held->name == name; }),
      lists_.end());
}

SuppressionLists::ListPtr SuppressionLists::Find(absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const ListPtr& held : lists_) {
    if (held->name == name) return held;
  }
  return nullptr;
}

SuppressionLists::Snapshot SuppressionLists::Applying(
    const policy::CheckQuery& query) const {
  Snapshot applying;
  absl::ReaderMutexLock lock(&mu_);
  for (const ListPtr& list : lists_) {
    if (list->AppliesTo(query)) applying.push_back(list);
  }
  return applying;
}

std::vector<std::string> SuppressionLists::NamesHolding(
    const crypto::Digest& digest) const {
  std::vector<std::string> names;
  absl::ReaderMutexLock lock(&mu_);
  for (const ListPtr& list : lists_) {
    if (list->digests.contains(digest)) names.push_back(list->name);
  }
  return names;
}

size_t SuppressionLists::entry_count() const {
  absl::ReaderMutexLock lock(&mu_);
  size_t entries = 0;
  for (const ListPtr& list : lists_) entries += list->digests.size();
  return entries;
}

size_t SuppressionLists::list_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return lists_.size();
}

}  // namespace consentd::core
