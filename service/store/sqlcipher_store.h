// SqlcipherStore: ConsentStore on one encrypted SQLCipher file. One
// SqlcipherConnection (keyed, WAL, synchronous=FULL, migrated, locked
// against a second consentd) serves the fact, list, receipt and request
// stores, the erasure journal and the audit trail, each in a file of its
// own.
//
// Thread-safety: all methods may be called concurrently; the stores'
// calls are serialised on the one connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/secret_key.h"
#include "service/store/consent_store.h"
#include "service/store/sqlcipher_audit_trail.h"
#include "service/store/sqlcipher_connection.h"
#include "service/store/sqlcipher_erasure_journal.h"
#include "service/store/sqlcipher_fact_store.h"
#include "service/store/sqlcipher_list_store.h"
#include "service/store/sqlcipher_receipt_store.h"
#include "service/store/sqlcipher_request_store.h"

namespace consentd::store {

class SqlcipherStore final : public ConsentStore {
 public:
  // Opens (creating if absent) the store at `path` with the first of `keys`
  // that reads it (a new store is created with keys[0]), migrates it and
  // discards lists an interrupted import staged; key_index() tells which
  // key opened it. Errors: those of SqlcipherConnection::Open (when no key
  // reads it, the last key's).
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>> Open(
      const std::string& path, absl::Span<const crypto::SecretKey> keys);

  // For tests that must read the raw bytes of the files (erasure leaves no
  // plaintext): the same store without encryption. Never for real data.
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>>
  OpenUnencryptedForTesting(const std::string& path);

  FactStore& facts() override { return *facts_; }
  ListStore& lists() override { return lists_; }
  ReceiptStore& receipts() override { return receipts_; }
  RequestStore& requests() override { return requests_; }
  ErasureJournal& erasure_journal() override { return erasure_journal_; }
  AuditTrail& audit() override { return *audit_; }
  int schema_version() const override { return connection_->schema_version(); }
  absl::Status Rekey(const crypto::SecretKey& current,
                     const crypto::SecretKey& next) override;
  absl::Status BindIndexKey(const crypto::Digest& fingerprint) override;
  absl::Status BindIdentifierRules(const crypto::Digest& fingerprint) override;
  absl::StatusOr<bool> KeptWithErasureJournal(
      const crypto::Digest& fingerprint) override;
  absl::Status BindErasureJournal(const crypto::Digest& fingerprint) override;
  absl::StatusOr<BackupContents> Backup(const std::string& path,
                                        const crypto::SecretKey* key) override;

  // Puts a backup in place of the store at `path` before it is opened:
  // SqlcipherConnection::Restore.
  static absl::StatusOr<size_t> Restore(
      const std::string& backup, const std::string& path,
      absl::Span<const crypto::SecretKey* const> keys,
      const std::string& aside_dir);

  // Which of the keys given to Open opened the store.
  size_t key_index() const { return key_index_; }

 private:
  SqlcipherStore(std::unique_ptr<SqlcipherConnection> connection,
                 std::unique_ptr<SqlcipherAuditTrail> audit,
                 std::unique_ptr<SqlcipherFactStore> facts);

  // Checks `fingerprint` against the one recorded under `name` in
  // store_keys (FAILED_PRECONDITION `mismatch` when they differ), and
  // records it when none is and `record` says so; true when one was.
  absl::StatusOr<bool> BindKey(const std::string& name,
                               const crypto::Digest& fingerprint,
                               absl::string_view mismatch, bool record);

  // Open and OpenUnencryptedForTesting; no key when `key` is null.
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>> OpenWith(
      const std::string& path, const crypto::SecretKey* key);

  // Declared first, so destroyed last: the stores' statements are
  // finalised before the connection closes.
  const std::unique_ptr<SqlcipherConnection> connection_;
  const std::unique_ptr<SqlcipherAuditTrail> audit_;
  const std::unique_ptr<SqlcipherFactStore> facts_;
  SqlcipherListStore lists_;
  SqlcipherReceiptStore receipts_;
  SqlcipherRequestStore requests_;
  SqlcipherErasureJournal erasure_journal_;
  size_t key_index_ = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_
