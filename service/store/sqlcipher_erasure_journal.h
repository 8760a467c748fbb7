// SqlcipherErasureJournal: ErasureJournal on the `erasure_journal` table,
// which SqlcipherFactStore::EraseFacts writes.
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_ERASURE_JOURNAL_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_ERASURE_JOURNAL_H_

#include "service/store/erasure_journal.h"
#include "service/store/sqlcipher_connection.h"

namespace consentd::store {

class SqlcipherErasureJournal final : public ErasureJournal {
 public:
  // `connection` must outlive the journal.
  explicit SqlcipherErasureJournal(SqlcipherConnection* connection)
      : connection_(connection) {}

  absl::Status ScanErasures(
      absl::FunctionRef<absl::Status(const ErasureEntry&)> visit) override;

 private:
  SqlcipherConnection* const connection_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_ERASURE_JOURNAL_H_
