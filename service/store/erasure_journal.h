// ErasureJournal: every digest ever erased, with the request that erased
// it. FactStore::EraseFacts writes it in the erasure's own transaction, so
// an erasure and its journal entry commit together or not at all. It is
// what lets a restore re-apply erasures made after a backup.
//
// Durability and ordering as FactStore's. Errors: those listed in
// fact_store.h.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_ERASURE_JOURNAL_H_
#define CONSENTD_SERVICE_STORE_ERASURE_JOURNAL_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "crypto/digest.h"

namespace consentd::store {

struct ErasureEntry {
  crypto::Digest digest{};
  std::string request_id;
  // Microseconds since the Unix epoch.
  int64_t erased_us = 0;
};

class ErasureJournal {
 public:
  virtual ~ErasureJournal() = default;

  // Calls `visit` for every journaled (digest, request) pair, oldest first
  // (by erased_us, then digest, then request id); stops at the first error
  // `visit` returns and returns it. A digest that two requests erased
  // appears once for each.
  virtual absl::Status ScanErasures(
      absl::FunctionRef<absl::Status(const ErasureEntry&)> visit) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_ERASURE_JOURNAL_H_
