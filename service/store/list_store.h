// ListStore: external suppression lists (national do-not-call registers,
// litigator lists, internal lists), each a named version holding a set of
// digests.
//
// A new version is staged, filled in batches, then published: publishing
// replaces any list of the same name in one transaction, so a reader sees
// the old version or the new, never a mix. Staged lists that were never
// published (a crash, an aborted import) are discarded when the store is
// opened, so no reader ever sees one.
//
// Durability and ordering as FactStore's: an OK write has committed
// durably, a failed one wrote nothing, and writes have one commit order.
// Errors: those listed in fact_store.h, plus what each method names.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_LIST_STORE_H_
#define CONSENTD_SERVICE_STORE_LIST_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/digest.h"
#include "service/store/audit_record.h"
#include "service/store/list_record.h"

namespace consentd::store {

class ListStore {
 public:
  virtual ~ListStore() = default;

  // Stages a list described by `list` (its name is taken only when it is
  // published; list_id, entries and rejected_entries are ignored) and
  // returns its new id.
  virtual absl::StatusOr<int64_t> StageList(const ListRecord& list) = 0;

  // Adds entries to a staged list in one transaction; entries it already
  // holds are ignored, so a retried batch adds nothing twice. `list_id`
  // must be a list StageList returned and that is neither published nor
  // discarded: the caller (one import) owns it until then.
  virtual absl::Status AppendListEntries(
      int64_t list_id, absl::Span<const crypto::Digest> digests) = 0;

  // Publishes a staged list as `name`, replacing the list of that name if
  // any, with `audit`'s entry, and returns it as published (with its
  // distinct entry count). NOT_FOUND when `list_id` is not a staged list
  // (never staged, discarded, or published already).
  virtual absl::StatusOr<ListRecord> PublishList(int64_t list_id,
                                                 const std::string& name,
                                                 int64_t rejected_entries,
                                                 const AuditDraft& audit) = 0;

  // Deletes a staged list and its entries; OK when there is none (a retry,
  // or a list that was published meanwhile, which it leaves alone).
  virtual absl::Status DiscardStagedList(int64_t list_id) = 0;

  // Deletes the published list `name` and its entries, with `audit`'s
  // entry. NOT_FOUND when there is none.
  virtual absl::Status DropList(const std::string& name,
                                const AuditDraft& audit) = 0;

  // Every published list, by name.
  virtual absl::StatusOr<std::vector<ListRecord>> Lists() = 0;

  // Calls `visit` for every entry of a list, in no particular order.
  virtual absl::Status ScanListEntries(
      int64_t list_id,
      absl::FunctionRef<void(const crypto::Digest&)> visit) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_LIST_STORE_H_
