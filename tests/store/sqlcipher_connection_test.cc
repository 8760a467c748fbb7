#include "service/store/sqlcipher_connection.h"

#include <sqlcipher/sqlite3.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/store/schema.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::testing::HasSubstr;

class SqlcipherConnectionTest : public SqlcipherStoreFixture {};

TEST_F(SqlcipherConnectionTest, AFreshStoreIsAtTheLatestSchema) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), LatestSchemaVersion());
}

TEST_F(SqlcipherConnectionTest, AWrongKeyIsAClearErrorNotAnEmptyStore) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 1)}).ok());
  }
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), {KeyOf(2)});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("wrong key"));
  // And the data is still there for the right key.
  EXPECT_EQ(OpenOrDie(1)->facts().FactsFor(DigestOf(1))->size(), 1u);
}

TEST_F(SqlcipherConnectionTest, AFileThatIsNoDatabaseIsAClearError) {
  std::ofstream(path()) << std::string(4096, 'x');
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), {KeyOf(1)});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("not a consentd database"));
}

TEST_F(SqlcipherConnectionTest, AStoreFromANewerConsentdIsRefused) {
  OpenOrDie(1).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::string pragma =
      "PRAGMA key = \"x'" + KeyOf(1).Hex() + "'\"; PRAGMA user_version = 99;";
  ASSERT_EQ(sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), {KeyOf(1)});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer"));
}

// Version 6 replaced the (digest, occurred_us) index with a digest prefix;
// version 7 added recorded_by; version 8 the audit trail; version 9 the
// store's key fingerprints; version 10 idempotency keys.
TEST_F(SqlcipherConnectionTest, AVersion5StoreIsMigratedAndKeepsItsFacts) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(
        Append(store->facts(), {SampleFact(1, 20), SampleFact(1, 10)}).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::string downgrade =
      "PRAGMA key = \"x'" + KeyOf(1).Hex() +
      "'\"; DROP TABLE store_keys; DROP TABLE idempotency_keys;"
      "DROP TABLE audit_entries; DROP TABLE audit_checkpoints;"
      "DROP INDEX facts_by_digest_prefix;"
      "ALTER TABLE facts RENAME TO facts_v7;"
      "CREATE TABLE facts (fact_id INTEGER PRIMARY KEY, digest BLOB NOT NULL,"
      " kind INTEGER NOT NULL, purpose TEXT NOT NULL, channel TEXT NOT NULL,"
      " lawful_basis INTEGER NOT NULL, collection_method INTEGER NOT NULL,"
      " notice_version TEXT NOT NULL, evidence_reference TEXT NOT NULL,"
      " collector TEXT NOT NULL, source TEXT NOT NULL,"
      " occurred_us INTEGER NOT NULL, recorded_us INTEGER NOT NULL,"
      " expires_us INTEGER, subject_initiated INTEGER NOT NULL,"
      " lifted_refusal INTEGER NOT NULL, policy_version TEXT NOT NULL);"
      "INSERT INTO facts SELECT fact_id, digest, kind, purpose, channel,"
      " lawful_basis, collection_method, notice_version, evidence_reference,"
      " collector, source, occurred_us, recorded_us, expires_us,"
      " subject_initiated, lifted_refusal, policy_version FROM facts_v7;"
      "DROP TABLE facts_v7;"
      "CREATE INDEX facts_by_digest ON facts (digest, occurred_us);"
      "PRAGMA user_version = 5;";
  ASSERT_EQ(sqlite3_exec(db, downgrade.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 10);
  absl::StatusOr<std::vector<FactRecord>> facts =
      store->facts().FactsFor(DigestOf(1));
  ASSERT_TRUE(facts.ok()) << facts.status();
  ASSERT_EQ(facts->size(), 2u);
  EXPECT_EQ(facts->at(0).occurred_us, 10);
  EXPECT_EQ(facts->at(0).recorded_by, "");
  store.reset();

  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::string indexes = "PRAGMA key = \"x'" + KeyOf(1).Hex() + "'\";";
  ASSERT_EQ(sqlite3_exec(db, indexes.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::vector<std::string> names;
  ASSERT_EQ(
      sqlite3_exec(
          db,
          "SELECT name FROM sqlite_master WHERE type = 'index' AND "
          "tbl_name = 'facts' ORDER BY name;",
          [](void* out, int, char** values, char**) {
            static_cast<std::vector<std::string>*>(out)->push_back(values[0]);
            return 0;
          },
          &names, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(names, std::vector<std::string>{"facts_by_digest_prefix"});
}

TEST_F(SqlcipherConnectionTest, ASecondOpenWhileInUseIsRefused) {
  std::unique_ptr<SqlcipherStore> first = OpenOrDie();
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> second =
      SqlcipherStore::Open(path(), {KeyOf(1)});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST_F(SqlcipherConnectionTest, AMissingDirectoryIsAClearError) {
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(dir_.File("no/such/dir/consentd.db"), {KeyOf(1)});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqlcipherConnectionTest, DatabaseAndWalHoldNoPlaintext) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord fact = SampleFact(1, 1);
  fact.evidence.set_evidence_reference("PLAINTEXT-MARKER-7731");
  ASSERT_TRUE(Append(store->facts(), {fact}).ok());
  // While open the write sits in the WAL; both files must be ciphertext.
  EXPECT_FALSE(FileHolds(path(), "PLAINTEXT-MARKER-7731"));
  EXPECT_FALSE(FileHolds(path() + "-wal", "PLAINTEXT-MARKER-7731"));
  EXPECT_FALSE(FileHolds(path(), "SQLite format 3"));
  store.reset();
  EXPECT_FALSE(FileHolds(path(), "PLAINTEXT-MARKER-7731"));
}

TEST_F(SqlcipherConnectionTest, TheScanWouldSeePlaintextInAnUnencryptedFile) {
  // Control for the test above: the same marker in an unkeyed file shows.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE t (x TEXT);"
                         "INSERT INTO t VALUES ('PLAINTEXT-MARKER-7731');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(FileHolds(path(), "PLAINTEXT-MARKER-7731"));
}

TEST_F(SqlcipherConnectionTest, EveryCommitIsSyncedInWalMode) {
  crypto::SecretKey key = KeyOf(1);
  absl::StatusOr<std::unique_ptr<SqlcipherConnection>> connection =
      SqlcipherConnection::Open(path(), &key);
  ASSERT_TRUE(connection.ok()) << connection.status();
  SqlcipherConnection::Session session(**connection);
  Statement synchronous(session.db(), "PRAGMA synchronous;");
  ASSERT_EQ(sqlite3_step(synchronous.get()), SQLITE_ROW);
  EXPECT_EQ(synchronous.Int(0), 2) << "2 is FULL";
  Statement journal_mode(session.db(), "PRAGMA journal_mode;");
  ASSERT_EQ(sqlite3_step(journal_mode.get()), SQLITE_ROW);
  EXPECT_EQ(journal_mode.Text(0), "wal");
  Statement secure_delete(session.db(), "PRAGMA secure_delete;");
  ASSERT_EQ(sqlite3_step(secure_delete.get()), SQLITE_ROW);
  EXPECT_EQ(secure_delete.Int(0), 1);
  Statement foreign_keys(session.db(), "PRAGMA foreign_keys;");
  ASSERT_EQ(sqlite3_step(foreign_keys.get()), SQLITE_ROW);
  EXPECT_EQ(foreign_keys.Int(0), 1);
}

TEST_F(SqlcipherConnectionTest, AFailedTransactionLeavesNothingBehind) {
  crypto::SecretKey key = KeyOf(1);
  absl::StatusOr<std::unique_ptr<SqlcipherConnection>> connection =
      SqlcipherConnection::Open(path(), &key);
  ASSERT_TRUE(connection.ok()) << connection.status();
  SqlcipherConnection::Session session(**connection);
  absl::Status failed = session.InTransaction("test", [&]() -> absl::Status {
    EXPECT_TRUE(session
                    .Exec("INSERT INTO scrub_receipts (receipt_id, receipt, "
                          "scrubbed_us) VALUES ('r', x'00', 1);",
                          "insert")
                    .ok());
    return absl::AbortedError("the body failed");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  absl::StatusOr<std::string> kept = session.LoadBlob(
      "SELECT receipt FROM scrub_receipts WHERE receipt_id = ?;", "r", "load",
      "none");
  EXPECT_EQ(kept.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(kept.status().message(), "none");
}

TEST_F(SqlcipherConnectionTest, TheFirstKeyThatReadsTheStoreOpensIt) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 10)}).ok());
  }
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), {KeyOf(3), KeyOf(2), KeyOf(1)});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->key_index(), 2u);
  EXPECT_EQ((*store)->facts().FactsFor(DigestOf(1))->size(), 1u);
  store->reset();
  EXPECT_EQ(SqlcipherStore::Open(path(), {KeyOf(3), KeyOf(2)}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqlcipherConnectionTest, RekeyKeepsEveryRecordUnderTheNewKeyOnly) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 10)}).ok());
    ASSERT_TRUE(store->Rekey(KeyOf(1), KeyOf(2)).ok());
    // The store goes on working, in WAL mode, under the new key.
    ASSERT_TRUE(Append(store->facts(), {SampleFact(2, 20)}).ok());
    ASSERT_TRUE(
        store->receipts()
            .SaveReceipt("rcpt-1", "receipt", 5, Audit("scrub.receipt_issued"))
            .ok());
  }
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> old_key =
      SqlcipherStore::Open(path(), {KeyOf(1)});
  EXPECT_EQ(old_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(old_key.status().message(), HasSubstr("wrong key"));
  std::unique_ptr<SqlcipherStore> store = OpenOrDie(2);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->facts().FactsFor(DigestOf(1))->size(), 1u);
  EXPECT_EQ(store->facts().FactsFor(DigestOf(2))->size(), 1u);
  EXPECT_EQ(*store->receipts().LoadReceipt("rcpt-1"), "receipt");
  EXPECT_EQ(store->audit().Head()->sequence, 3);
}

TEST_F(SqlcipherConnectionTest, AStoreStaysBoundToItsBlindIndexKey) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
  ASSERT_TRUE(store->BindIndexKey(DigestOf(7)).ok());
  EXPECT_TRUE(store->BindIndexKey(DigestOf(7)).ok());
  absl::Status other = store->BindIndexKey(DigestOf(8));
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.message(), HasSubstr("blind-index key"));
}

}  // namespace
}  // namespace consentd::store
