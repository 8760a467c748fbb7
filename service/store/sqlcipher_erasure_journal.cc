#include "service/store/sqlcipher_erasure_journal.h"

#include "base/status_macros.h"
#include "service/store/statement.h"

namespace consentd::store {

absl::Status SqlcipherErasureJournal::ScanErasures(
    absl::FunctionRef<absl::Status(const ErasureEntry&)> visit) {
  SqlcipherConnection::Session session(*connection_);
  return session.InScanCache([&] {
    Statement scan(session.db(),
                   "SELECT digest, request_id, erased_us FROM erasure_journal "
                   "ORDER BY erased_us, digest, request_id;");
    RETURN_IF_ERROR(scan.prepared("prepare erasure journal scan"));
    ErasureEntry entry;
    return scan.ForEachRow("scan erasure journal", [&] {
      entry.digest = scan.DigestColumn(0);
      entry.request_id = scan.Text(1);
      entry.erased_us = scan.Int(2);
      return visit(entry);
    });
  });
}

}  // namespace consentd::store
