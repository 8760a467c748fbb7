// SqlcipherFactStore: FactStore on the `facts` table, with erasures
// journaled in `erasure_journal` in the same transaction.
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_FACT_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_FACT_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/store/fact_store.h"
#include "service/store/sqlcipher_audit_trail.h"
#include "service/store/sqlcipher_connection.h"
#include "service/store/statement.h"

namespace consentd::store {

class SqlcipherFactStore final : public FactStore {
 public:
  // `connection` and `audit` must outlive the store. Errors: the
  // connection's, when the statement every append runs cannot be prepared.
  static absl::StatusOr<std::unique_ptr<SqlcipherFactStore>> Create(
      SqlcipherConnection* connection, SqlcipherAuditTrail* audit);

  absl::StatusOr<AppendOutcome> AppendFacts(
      absl::Span<const FactRecord> facts, absl::Span<const AuditDraft> audit,
      absl::Span<const IdempotencyClaim> claims) override;
  absl::StatusOr<std::optional<HeldClaim>> FindClaim(
      const std::string& principal, const std::string& key) override;
  absl::Status ForgetClaims(int64_t before_us) override;
  absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const FactSummary&)> visit) override;
  absl::StatusOr<std::vector<FactRecord>> FactsFor(
      const crypto::Digest& digest) override;
  absl::StatusOr<std::vector<int64_t>> EraseFacts(
      absl::Span<const crypto::Digest> digests,
      absl::Span<const FactRecord> tombstones, const std::string& request_id,
      int64_t erased_us, int64_t recorded_up_to_us,
      const AuditDraft& audit) override;
  absl::StatusOr<std::vector<int64_t>> RectifyFacts(
      const crypto::Digest& from, absl::Span<const FactRecord> copies,
      const AuditDraft& audit) override;
  absl::Status PurgeDeletedCopies() override;

 private:
  SqlcipherFactStore(SqlcipherConnection* connection,
                     SqlcipherAuditTrail* audit,
                     std::unique_ptr<Statement> append);

  // FindClaim within `session`.
  absl::StatusOr<std::optional<HeldClaim>> FindClaimIn(
      SqlcipherConnection::Session& session, const std::string& principal,
      const std::string& key);

  // In one transaction: runs `before` (what the write deletes or journals),
  // appends `facts`, runs `after` with their ids, then appends `audit`'s
  // entries; returns the facts' ids, in order.
  absl::StatusOr<std::vector<int64_t>> WriteFacts(
      SqlcipherConnection::Session& session, absl::string_view context,
      absl::FunctionRef<absl::Status()> before,
      absl::Span<const FactRecord> facts, absl::Span<const AuditDraft> audit,
      absl::FunctionRef<absl::Status(absl::Span<const int64_t> ids)> after);

  SqlcipherConnection* const connection_;
  SqlcipherAuditTrail* const audit_;
  // The 16-column insert every group commit runs, prepared once: preparing
  // it for each commit cost about as much as appending one of its facts.
  // Used only within a Session.
  const std::unique_ptr<Statement> append_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_FACT_STORE_H_
