// ConsentStore: the narrow interface between the domain and durable
// storage. Nothing above it speaks SQL, so that a PostgreSQL backend
// (SPEC §11) can take the place of SQLCipher.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
#define CONSENTD_SERVICE_STORE_CONSENT_STORE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "service/crypto/digest.h"
#include "service/store/fact_record.h"

namespace consentd::store {

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  // Appends `facts` in one atomic, durable transaction and returns their
  // new ids, in order. When this returns OK the facts survive a crash or
  // power loss; on error nothing was appended. Errors: UNAVAILABLE (I/O,
  // busy: retry), RESOURCE_EXHAUSTED (disk full), FAILED_PRECONDITION
  // (read-only store), INTERNAL.
  virtual absl::StatusOr<std::vector<int64_t>> AppendFacts(
      absl::Span<const FactRecord> facts) = 0;

  // Calls `visit` for every fact, in id order; stops at the first error
  // `visit` returns and returns it.
  virtual absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const FactSummary&)> visit) = 0;

  // Every fact recorded for `digest`, in the order they occurred.
  virtual absl::StatusOr<std::vector<FactRecord>> FactsFor(
      const crypto::Digest& digest) = 0;

  // The schema version the store is at.
  virtual int schema_version() const = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
