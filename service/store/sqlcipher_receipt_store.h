// SqlcipherReceiptStore: ReceiptStore on the `scrub_receipts` table.
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_RECEIPT_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_RECEIPT_STORE_H_

#include <string>

#include "service/store/receipt_store.h"
#include "service/store/sqlcipher_audit_trail.h"
#include "service/store/sqlcipher_connection.h"

namespace consentd::store {

class SqlcipherReceiptStore final : public ReceiptStore {
 public:
  // `connection` and `audit` must outlive the store.
  SqlcipherReceiptStore(SqlcipherConnection* connection,
                        SqlcipherAuditTrail* audit)
      : connection_(connection), audit_(audit) {}

  absl::Status SaveReceipt(const std::string& receipt_id,
                           const std::string& receipt, int64_t scrubbed_us,
                           const AuditDraft& audit) override;
  absl::StatusOr<std::string> LoadReceipt(
      const std::string& receipt_id) override;

 private:
  SqlcipherConnection* const connection_;
  SqlcipherAuditTrail* const audit_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_RECEIPT_STORE_H_
