#include "service/core/erasure_replay.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace consentd::core {
namespace {

const access::Caller kConsentd{"consentd", {}};

std::string KeyOf(const crypto::Digest& digest, const std::string& request) {
  return absl::StrCat(crypto::DigestBytes(digest), request);
}

}  // namespace

absl::StatusOr<ErasureReconciliation> ReconcileErasures(
    ErasureJournalFile& journal, store::ConsentStore& store,
    ConsentLedger& ledger, RequestDesk& desk,
    const crypto::Digest& journal_fingerprint, bool rebuild_journal) {
  ErasureReconciliation outcome;
  ASSIGN_OR_RETURN(const bool kept_with_journal,
                   store.KeptWithErasureJournal(journal_fingerprint));
  // The store's (digest, request) pairs, and its erasures by request in
  // the order it made them.
  absl::flat_hash_set<std::string> in_store;
  std::vector<JournalledErasure> store_erasures;
  std::map<std::string, size_t> by_request;
  RETURN_IF_ERROR(store.erasure_journal().ScanErasures(
      [&](const store::ErasureEntry& entry) {
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
  const std::vector<JournalledErasure> journalled = journal.erasures();
  absl::flat_hash_set<std::string> in_journal;
  for (const JournalledErasure& erasure : journalled) {
    for (const crypto::Digest& digest : erasure.digests) {
      in_journal.insert(KeyOf(digest, erasure.request_id));
    }
  }

  // The store's erasures the journal lacks: lost lines, unless this is
  // the store's first journal or the operator rebuilds it.
  std::vector<JournalledErasure> unjournalled;
  size_t lacking = 0;
  for (const JournalledErasure& erasure : store_erasures) {
    JournalledErasure missing{erasure.erased_us, erasure.request_id, {}};
    for (const crypto::Digest& digest : erasure.digests) {
      if (!in_journal.contains(KeyOf(digest, erasure.request_id))) {
        missing.digests.push_back(digest);
      }
    }
    if (missing.digests.empty()) continue;
    lacking += missing.digests.size();
    unjournalled.push_back(std::move(missing));
  }
  if (rebuild_journal && lacking == 0) {
    return absl::FailedPreconditionError(
        "--erasure-journal-rebuild given, but the erasure journal lacks "
        "nothing the store holds: remove the flag");
  }
  if (lacking > 0 && kept_with_journal && !rebuild_journal) {
    return absl::DataLossError(absl::StrCat(
        "erasure journal ", journal.path(), " lacks ", lacking,
        " erasure(s) the store holds, so it lost lines: it was replaced, "
        "emptied or restored from an older copy, or is not on its volume. "
        "Point --erasure-journal at the right file; if it is gone, start "
        "once with --erasure-journal-rebuild (erasures made after the "
        "store's copy cannot be recovered then)"));
  }

  for (const JournalledErasure& erasure : journalled) {
    bool missing = false;
    for (const crypto::Digest& digest : erasure.digests) {
      missing =
          missing || !in_store.contains(KeyOf(digest, erasure.request_id));
    }
    if (!missing) continue;
    ASSIGN_OR_RETURN(bool proceed,
                     desk.ScrubForReappliedErasure(erasure, kConsentd));
    if (!proceed) {
      ++outcome.skipped;
      continue;
    }
    RETURN_IF_ERROR(ledger.Reapply(erasure, kConsentd).status());
    RETURN_IF_ERROR(desk.CompleteReappliedErasure(erasure, kConsentd));
    for (const crypto::Digest& digest : erasure.digests) {
      in_store.insert(KeyOf(digest, erasure.request_id));
    }
    ++outcome.reapplied;
  }

  for (const JournalledErasure& erasure : unjournalled) {
    // A line holds at most kMaxDigestsPerErasure digests.
    for (size_t from = 0; from < erasure.digests.size();
         from += ErasureJournalFile::kMaxDigestsPerErasure) {
      JournalledErasure part{erasure.erased_us, erasure.request_id, {}};
      const size_t to =
          std::min(erasure.digests.size(),
                   from + ErasureJournalFile::kMaxDigestsPerErasure);
      part.digests.assign(erasure.digests.begin() + from,
                          erasure.digests.begin() + to);
      RETURN_IF_ERROR(journal.Append(part));
    }
    ++outcome.journalled;
  }
  // Only now: a start that failed before this point finds the store not
  // kept with a journal yet, and does all of it again.
  RETURN_IF_ERROR(store.BindErasureJournal(journal_fingerprint));
  return outcome;
}

}  // namespace consentd::core
