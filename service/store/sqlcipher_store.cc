#include "service/store/sqlcipher_store.h"

#include <utility>

#include "base/status_macros.h"

namespace consentd::store {

absl::StatusOr<std::unique_ptr<SqlcipherStore>> SqlcipherStore::Open(
    const std::string& path, const crypto::SecretKey& key) {
  return OpenWith(path, &key);
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
