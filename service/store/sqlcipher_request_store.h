// SqlcipherRequestStore: RequestStore on the `data_subject_requests` table
// (serialized requests, with state and due date in columns for listing).
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_REQUEST_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_REQUEST_STORE_H_

#include <string>
#include <vector>

#include "service/store/request_store.h"
#include "service/store/sqlcipher_audit_trail.h"
#include "service/store/sqlcipher_connection.h"

namespace consentd::store {

class SqlcipherRequestStore final : public RequestStore {
 public:
  // `connection` and `audit` must outlive the store.
  SqlcipherRequestStore(SqlcipherConnection* connection,
                        SqlcipherAuditTrail* audit)
      : connection_(connection), audit_(audit) {}

  absl::Status SaveRequest(const std::string& request_id,
                           consent::v1::RequestState state, int64_t due_us,
                           const std::string& request,
                           const AuditDraft& audit) override;
  absl::StatusOr<std::string> LoadRequest(
      const std::string& request_id) override;
  absl::StatusOr<int64_t> CountRequests(const RequestQuery& query) override;
  absl::StatusOr<std::vector<std::string>> ListRequests(
      const RequestQuery& query) override;

 private:
  SqlcipherConnection* const connection_;
  SqlcipherAuditTrail* const audit_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_REQUEST_STORE_H_
