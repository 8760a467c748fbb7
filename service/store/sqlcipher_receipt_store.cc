#include "service/store/sqlcipher_receipt_store.h"

#include "base/status_macros.h"
#include "service/store/sqlite_status.h"
#include "service/store/statement.h"

namespace consentd::store {

absl::Status SqlcipherReceiptStore::SaveReceipt(const std::string& receipt_id,
                                                const std::string& receipt,
                                                int64_t scrubbed_us,
                                                const AuditDraft& audit) {
  SqlcipherConnection::Session session(*connection_);
  return audit_
      ->Write(
          session, "save receipt", {audit},
          [&](std::vector<int64_t>&) -> absl::Status {
            Statement insert(session.db(),
                             "INSERT INTO scrub_receipts (receipt_id, "
                             "receipt, scrubbed_us) VALUES (?, ?, ?);");
            RETURN_IF_ERROR(insert.prepared("prepare save receipt"));
            insert.BindText(1, receipt_id);
            insert.BindBlob(2, receipt);
            insert.BindInt(3, scrubbed_us);
            int rc = sqlite3_step(insert.get());
            if ((rc & 0xFF) == SQLITE_CONSTRAINT) {
              return absl::AlreadyExistsError("a receipt with that id exists");
            }
            return rc == SQLITE_DONE
                       ? absl::OkStatus()
                       : SqliteStatus(rc, session.db(), "save receipt");
          })
      .status();
}

absl::StatusOr<std::string> SqlcipherReceiptStore::LoadReceipt(
    const std::string& receipt_id) {
  SqlcipherConnection::Session session(*connection_);
  return session.LoadBlob(
      "SELECT receipt FROM scrub_receipts WHERE receipt_id = ?;", receipt_id,
      "load receipt", "no receipt with that id");
}

}  // namespace consentd::store
