// ReconcileErasures: at start-up, brings the store and the erasure journal
// file (erasure_journal_file.h) into agreement, so that no erasure is held
// by only one of them:
//   - an erasure the journal holds and the store lacks (the store was
//     restored from an older copy, or consentd stopped between journal and
//     store) is carried out again: the subject's facts deleted and
//     tombstoned, the requests about them scrubbed, and the erasure request,
//     if the store holds it open, completed;
//   - an erasure the store holds and the journal lacks (made before the
//     journal file existed) is journalled.
// What consentd does here is recorded as principal "consentd".
#ifndef CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_
#define CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_

#include "absl/status/statusor.h"
#include "service/core/consent_ledger.h"
#include "service/core/erasure_journal_file.h"
#include "service/core/request_desk.h"
#include "service/store/erasure_journal.h"

namespace consentd::core {

struct ErasureReconciliation {
  // Erasures carried out again, and erasures newly journalled.
  int reapplied = 0;
  int journalled = 0;
};

// Errors: those of the journal's Append, the ledger's Reapply and the
// desk's CloseReappliedErasure; consentd must not serve after one (an
// erased person could be allowed).
absl::StatusOr<ErasureReconciliation> ReconcileErasures(
    ErasureJournalFile& journal, store::ErasureJournal& held,
    ConsentLedger& ledger, RequestDesk& desk);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_
