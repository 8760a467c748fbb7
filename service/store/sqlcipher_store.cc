#include "service/store/sqlcipher_store.h"

#include <optional>
#include <string>
#include <utility>

#include "base/status_macros.h"
#include "service/store/sqlite_status.h"
#include "service/store/statement.h"

namespace consentd::store {

absl::StatusOr<std::unique_ptr<SqlcipherStore>> SqlcipherStore::Open(
    const std::string& path, absl::Span<const crypto::SecretKey> keys) {
  if (keys.empty()) return absl::InvalidArgumentError("store: no key");
  for (size_t i = 0;; ++i) {
    absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
        OpenWith(path, &keys[i]);
    if (store.ok()) {
      (*store)->key_index_ = i;
      return store;
    }
    if (!IsWrongKey(store.status()) || i + 1 == keys.size()) return store;
  }
}

absl::Status SqlcipherStore::Rekey(const crypto::SecretKey& current,
                                   const crypto::SecretKey& next) {
  return connection_->Rekey(current, next);
}

absl::StatusOr<BackupContents> SqlcipherStore::Backup(
    const std::string& path, const crypto::SecretKey* key) {
  return connection_->Backup(path, key);
}

absl::StatusOr<size_t> SqlcipherStore::Restore(
    const std::string& backup, const std::string& path,
    absl::Span<const crypto::SecretKey* const> keys,
    const std::string& aside_dir) {
  return SqlcipherConnection::Restore(backup, path, keys, aside_dir);
}

absl::Status SqlcipherStore::BindIndexKey(const crypto::Digest& fingerprint) {
  return BindKey("index", fingerprint,
                 "store: the keyring's blind-index key is not the one this "
                 "store was created with (another master key?): every stored "
                 "digest would be unreachable",
                 /*record=*/true)
      .status();
}

absl::Status SqlcipherStore::BindIdentifierRules(
    const crypto::Digest& fingerprint) {
  return BindKey("identifier-rules", fingerprint,
                 "store: the policy's e-mail normalisation or default region "
                 "is not the one this store's identifiers were digested "
                 "under: the same address or number would be read as "
                 "another person, and their refusals lost; put the policy's "
                 "`email` and `default_region` back as they were",
                 /*record=*/true)
      .status();
}

constexpr char kJournalMismatch[] =
    "store: it was kept with an erasure journal under another keyring";

absl::StatusOr<bool> SqlcipherStore::KeptWithErasureJournal(
    const crypto::Digest& fingerprint) {
  return BindKey("erasure-journal", fingerprint, kJournalMismatch,
                 /*record=*/false);
}

absl::Status SqlcipherStore::BindErasureJournal(
    const crypto::Digest& fingerprint) {
  return BindKey("erasure-journal", fingerprint, kJournalMismatch,
                 /*record=*/true)
      .status();
}

absl::StatusOr<bool> SqlcipherStore::BindKey(const std::string& name,
                                             const crypto::Digest& fingerprint,
                                             absl::string_view mismatch,
                                             bool record) {
  SqlcipherConnection::Session session(*connection_);
  bool held_before = false;
  const absl::Status bound =
      session.InTransaction("bind key", [&]() -> absl::Status {
        std::optional<std::string> held;
        Statement read(session.db(),
                       "SELECT fingerprint FROM store_keys WHERE name = ?;");
        RETURN_IF_ERROR(read.prepared("prepare read key fingerprint"));
        read.BindText(1, name);
        RETURN_IF_ERROR(read.ForEachRow("read key fingerprint", [&] {
          held = read.Blob(0);
          return absl::OkStatus();
        }));
        if (held) {
          if (*held != crypto::DigestBytes(fingerprint)) {
            return absl::FailedPreconditionError(mismatch);
          }
          held_before = true;
          return absl::OkStatus();
        }
        if (!record) return absl::OkStatus();
        Statement bind(
            session.db(),
            "INSERT INTO store_keys (name, fingerprint) VALUES (?, ?);");
        RETURN_IF_ERROR(bind.prepared("prepare bind key"));
        bind.BindText(1, name);
        bind.BindBlob(2, crypto::DigestBytes(fingerprint));
        return session.Run(bind, "bind key");
      });
  RETURN_IF_ERROR(bound);
  return held_before;
}

absl::StatusOr<std::unique_ptr<SqlcipherStore>>
SqlcipherStore::OpenUnencryptedForTesting(const std::string& path) {
  return OpenWith(path, nullptr);
}

absl::StatusOr<std::unique_ptr<SqlcipherStore>> SqlcipherStore::OpenWith(
    const std::string& path, const crypto::SecretKey* key) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlcipherConnection> connection,
                   SqlcipherConnection::Open(path, key));
  ASSIGN_OR_RETURN(std::unique_ptr<SqlcipherAuditTrail> audit,
                   SqlcipherAuditTrail::Create(connection.get()));
  ASSIGN_OR_RETURN(std::unique_ptr<SqlcipherFactStore> facts,
                   SqlcipherFactStore::Create(connection.get(), audit.get()));
  std::unique_ptr<SqlcipherStore> store(new SqlcipherStore(
      std::move(connection), std::move(audit), std::move(facts)));
  RETURN_IF_ERROR(store->lists_.DiscardUnpublished());
  return store;
}

SqlcipherStore::SqlcipherStore(std::unique_ptr<SqlcipherConnection> connection,
                               std::unique_ptr<SqlcipherAuditTrail> audit,
                               std::unique_ptr<SqlcipherFactStore> facts)
    : connection_(std::move(connection)),
      audit_(std::move(audit)),
      facts_(std::move(facts)),
      lists_(connection_.get(), audit_.get()),
      receipts_(connection_.get(), audit_.get()),
      requests_(connection_.get(), audit_.get()),
      erasure_journal_(connection_.get()) {}

}  // namespace consentd::store
