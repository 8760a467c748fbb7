#include "service/core/erasure_replay.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/status_macros.h"

namespace consentd::core {
namespace {

const access::Caller kConsentd{"consentd", {}};

std::string KeyOf(const crypto::Digest& digest, const std::string& request) {
  return absl::StrCat(crypto::DigestBytes(digest), request);
}

}  // namespace

absl::StatusOr<ErasureReconciliation> ReconcileErasures(
    ErasureJournalFile& journal, store::ErasureJournal& held,
    ConsentLedger& ledger, RequestDesk& desk) {
  ErasureReconciliation outcome;
  // The store's (digest, request) pairs, and its erasures by request in
  // the order it made them.
  absl::flat_hash_set<std::string> in_store;
  std::vector<JournalledErasure> store_erasures;
  std::map<std::string, size_t> by_request;
  RETURN_IF_ERROR(held.ScanErasures([&](const store::ErasureEntry& entry) {
    in_store.insert(KeyOf(entry.digest, entry.request_id));
    auto [it, added] =
        by_request.try_emplace(entry.request_id, store_erasures.size());
    if (added) {
      store_erasures.push_back(
          JournalledErasure{entry.erased_us, entry.request_id, {}});
    }
    store_erasures[it->second].digests.push_back(entry.digest);
    return absl::OkStatus();
  }));

  absl::flat_hash_set<std::string> in_journal;
  for (const JournalledErasure& erasure : journal.erasures()) {
    bool missing = false;
    for (const crypto::Digest& digest : erasure.digests) {
      in_journal.insert(KeyOf(digest, erasure.request_id));
      missing =
          missing || !in_store.contains(KeyOf(digest, erasure.request_id));
    }
    if (!missing) continue;
    RETURN_IF_ERROR(ledger.Reapply(erasure, kConsentd).status());
    RETURN_IF_ERROR(desk.CloseReappliedErasure(erasure, kConsentd));
    ++outcome.reapplied;
  }

  for (JournalledErasure& erasure : store_erasures) {
    std::vector<crypto::Digest> unjournalled;
    for (const crypto::Digest& digest : erasure.digests) {
      if (!in_journal.contains(KeyOf(digest, erasure.request_id))) {
        unjournalled.push_back(digest);
      }
    }
    if (unjournalled.empty()) continue;
    erasure.digests = std::move(unjournalled);
    RETURN_IF_ERROR(journal.Append(erasure));
    ++outcome.journalled;
  }
  return outcome;
}

}  // namespace consentd::core
