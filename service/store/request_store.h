// RequestStore: data-subject requests (access, erasure, rectification, ...)
// kept whole, with their state and due date beside them for listing.
//
// Durability and ordering as FactStore's. Errors: those listed in
// fact_store.h, plus what each method names.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_REQUEST_STORE_H_
#define CONSENTD_SERVICE_STORE_REQUEST_STORE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "consent/v1/requests.pb.h"
#include "service/store/audit_record.h"

namespace consentd::store {

// Which kept requests ListRequests returns: in due-date order (then id),
// after the cursor (after_due_us, after_id), at most `limit`; only in
// `states` when not empty; only those due before `due_before_us` when it is
// set (non-zero).
struct RequestQuery {
  std::vector<consent::v1::RequestState> states;
  int64_t due_before_us = 0;
  int64_t after_due_us = std::numeric_limits<int64_t>::min();
  std::string after_id;
  int limit = 100;
};

class RequestStore {
 public:
  virtual ~RequestStore() = default;

  // Keeps a request (its serialized bytes) under its id, replacing what was
  // kept under that id, with `audit`'s entry (the step it records), so a
  // retry stores the same request again and audits the step again.
  virtual absl::Status SaveRequest(const std::string& request_id,
                                   consent::v1::RequestState state,
                                   int64_t due_us, const std::string& request,
                                   const AuditDraft& audit) = 0;

  // How many kept requests `query` matches (its states and due_before_us;
  // the paging fields and limit do not apply). Reads no request's bytes.
  virtual absl::StatusOr<int64_t> CountRequests(const RequestQuery& query) = 0;

  // A kept request's bytes. NOT_FOUND when there is none with that id.
  virtual absl::StatusOr<std::string> LoadRequest(
      const std::string& request_id) = 0;

  // Kept requests' bytes, as `query` selects them.
  virtual absl::StatusOr<std::vector<std::string>> ListRequests(
      const RequestQuery& query) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_REQUEST_STORE_H_
