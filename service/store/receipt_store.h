// ReceiptStore: signed scrub receipts, kept by id so a campaign tool can
// fetch the proof of a scrub again later.
//
// Durability and ordering as FactStore's. Errors: those listed in
// fact_store.h, plus what each method names.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_RECEIPT_STORE_H_
#define CONSENTD_SERVICE_STORE_RECEIPT_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/store/audit_record.h"

namespace consentd::store {

class ReceiptStore {
 public:
  virtual ~ReceiptStore() = default;

  // Keeps a receipt (its serialized bytes) under its id, with `audit`'s
  // entry. ALREADY_EXISTS when the id is taken: a receipt is never
  // replaced.
  virtual absl::Status SaveReceipt(const std::string& receipt_id,
                                   const std::string& receipt,
                                   int64_t scrubbed_us,
                                   const AuditDraft& audit) = 0;

  // A kept receipt's bytes. NOT_FOUND when there is none with that id.
  virtual absl::StatusOr<std::string> LoadReceipt(
      const std::string& receipt_id) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_RECEIPT_STORE_H_
