// ReconcileErasures: at start-up, brings the store and the erasure journal
// file (erasure_journal_file.h) into agreement, so that no erasure is held
// by the store alone and none by the journal alone:
//   - an erasure the journal holds and the store lacks (the store was
//     restored from an older copy, or consentd stopped between journal and
//     store) is carried out again: the requests about the subject scrubbed
//     first, then their facts recorded up to the erasure deleted and
//     tombstoned, then the erasure request, if the store holds it open,
//     completed. One whose request the store holds REJECTED is left alone.
//   - an erasure the store holds and the journal lacks means the journal
//     lost lines (it is written first): refused (DATA_LOSS), unless the
//     store was never kept with a journal (its first start with one) or
//     `rebuild_journal` says the operator accepts rebuilding the journal
//     from the store; then it is journalled. `rebuild_journal` with nothing
//     to rebuild is FAILED_PRECONDITION (a flag left on would accept every
//     later loss).
// The store is recorded as kept with the journal once all that is done.
// What consentd does here is recorded as principal "consentd".
#ifndef CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_
#define CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_

#include "absl/status/statusor.h"
#include "crypto/digest.h"
#include "service/core/consent_ledger.h"
#include "service/core/erasure_journal_file.h"
#include "service/core/request_desk.h"
#include "service/store/consent_store.h"

namespace consentd::core {

struct ErasureReconciliation {
  // Erasures carried out again; left alone (their request was rejected);
  // newly journalled.
  int reapplied = 0;
  int skipped = 0;
  int journalled = 0;
};

// `journal_fingerprint` names the journal's key (ConsentStore::
// BindErasureJournal). Errors: DATA_LOSS as above; those of the journal's
// Append, the store, the ledger's Reapply and the desk. consentd must not
// serve after one (an erased person could be allowed); a retry resumes.
absl::StatusOr<ErasureReconciliation> ReconcileErasures(
    ErasureJournalFile& journal, store::ConsentStore& store,
    ConsentLedger& ledger, RequestDesk& desk,
    const crypto::Digest& journal_fingerprint, bool rebuild_journal);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_ERASURE_REPLAY_H_
