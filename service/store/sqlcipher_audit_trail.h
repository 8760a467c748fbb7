// SqlcipherAuditTrail: AuditTrail on the `audit_entries` and
// `audit_checkpoints` tables, and the audited transaction every other
// SQLCipher store writes in, so that a change and its entry commit
// together.
//
// Thread-safety: safe for concurrent use; calls are serialised on the
// connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_AUDIT_TRAIL_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_AUDIT_TRAIL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "service/store/audit_trail.h"
#include "service/store/sqlcipher_connection.h"
#include "service/store/statement.h"

namespace consentd::store {

class SqlcipherAuditTrail final : public AuditTrail {
 public:
  // `connection` must outlive the trail. Errors: the connection's, when the
  // statements every audited write runs cannot be prepared.
  static absl::StatusOr<std::unique_ptr<SqlcipherAuditTrail>> Create(
      SqlcipherConnection* connection);

  // In one transaction on `session`: runs `body`, which may append the ids
  // of facts it wrote to `fact_ids`, then appends an entry per draft
  // (completing the drafts' object ids with those fact ids, fact_count by
  // fact_count), and commits; then tells the witness. Returns the fact
  // ids. INVALID_ARGUMENT, with nothing written, when the drafts' fact
  // counts do not add up to the facts written or an object id holds a
  // newline.
  absl::StatusOr<std::vector<int64_t>> Write(
      SqlcipherConnection::Session& session, absl::string_view context,
      absl::Span<const AuditDraft> drafts,
      absl::FunctionRef<absl::Status(std::vector<int64_t>& fact_ids)> body);

  absl::StatusOr<int64_t> Append(const AuditDraft& draft) override;
  absl::Status ScanEntries(
      int64_t from_sequence, int64_t limit,
      absl::FunctionRef<absl::Status(const AuditRecord&)> visit) override;
  absl::StatusOr<AuditHead> Head() override;
  absl::Status SaveCheckpoint(
      const consent::v1::AuditCheckpoint& checkpoint) override;
  absl::StatusOr<consent::v1::AuditCheckpoint> Checkpoint(
      int64_t sequence) override;
  absl::Status ScanCheckpoints(
      int64_t from_sequence, int64_t to_sequence,
      absl::FunctionRef<absl::Status(const consent::v1::AuditCheckpoint&)>
          visit) override;
  void SetWitness(AuditWitness* witness) override { witness_ = witness; }

 private:
  SqlcipherAuditTrail(SqlcipherConnection* connection,
                      std::unique_ptr<Statement> head,
                      std::unique_ptr<Statement> insert);

  // Within a transaction: the chain's last entry.
  absl::StatusOr<AuditHead> ReadHead(SqlcipherConnection::Session& session);
  // Within a transaction: appends the drafts after the head; returns the
  // new head.
  absl::StatusOr<AuditHead> AppendEntries(SqlcipherConnection::Session& session,
                                          absl::Span<const AuditDraft> drafts,
                                          absl::Span<const int64_t> fact_ids);

  SqlcipherConnection* const connection_;
  // Prepared once: every group commit runs them. Used only within a
  // Session.
  const std::unique_ptr<Statement> head_;
  const std::unique_ptr<Statement> insert_;
  std::atomic<AuditWitness*> witness_ = nullptr;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_AUDIT_TRAIL_H_
