// SqlcipherListStore: ListStore on the `suppression_lists` (one row per
// list version; a staged version has no name) and `suppression_entries`
// (list id, digest) tables.
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_LIST_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_LIST_STORE_H_

#include <string>
#include <vector>

#include "service/store/list_store.h"
#include "service/store/sqlcipher_audit_trail.h"
#include "service/store/sqlcipher_connection.h"

namespace consentd::store {

class SqlcipherListStore final : public ListStore {
 public:
  // `connection` and `audit` must outlive the store.
  SqlcipherListStore(SqlcipherConnection* connection,
                     SqlcipherAuditTrail* audit)
      : connection_(connection), audit_(audit) {}

  // Deletes every staged, never published list (an import a crash cut
  // short; no reader saw it). Called once when the store opens.
  absl::Status DiscardUnpublished();

  absl::StatusOr<int64_t> StageList(const ListRecord& list) override;
  absl::Status AppendListEntries(
      int64_t list_id, absl::Span<const crypto::Digest> digests) override;
  absl::StatusOr<ListRecord> PublishList(int64_t list_id,
                                         const std::string& name,
                                         int64_t rejected_entries,
                                         const AuditDraft& audit) override;
  absl::Status DiscardStagedList(int64_t list_id) override;
  absl::Status DropList(const std::string& name,
                        const AuditDraft& audit) override;
  absl::StatusOr<std::vector<ListRecord>> Lists() override;
  absl::Status ScanListEntries(
      int64_t list_id,
      absl::FunctionRef<void(const crypto::Digest&)> visit) override;

 private:
  SqlcipherConnection* const connection_;
  SqlcipherAuditTrail* const audit_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_LIST_STORE_H_
