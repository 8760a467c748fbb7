#include "service/store/sqlcipher_store.h"

#include <sqlcipher/sqlite3.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/store/schema.h"
#include "tests/testing/temp_dir.h"

namespace consentd::store {
namespace {

using ::testing::HasSubstr;

crypto::SecretKey KeyOf(uint8_t fill) {
  std::array<uint8_t, crypto::SecretKey::kSize> bytes;
  bytes.fill(fill);
  return crypto::SecretKey(bytes);
}

crypto::Digest DigestOf(uint8_t fill) {
  crypto::Digest digest;
  digest.fill(fill);
  return digest;
}

FactRecord SampleFact(uint8_t digest_fill, int64_t occurred_us) {
  FactRecord fact;
  fact.digest = DigestOf(digest_fill);
  fact.kind = consent::v1::FACT_KIND_CONSENT_GRANTED;
  fact.purpose = "marketing";
  fact.channel = "phone";
  fact.lawful_basis = consent::v1::LAWFUL_BASIS_CONSENT;
  fact.evidence.set_collection_method(
      consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  fact.evidence.set_notice_version("notice-7");
  fact.evidence.set_evidence_reference("form-submission-991");
  fact.evidence.set_collector("signup-form");
  fact.evidence.set_source("web");
  fact.occurred_us = occurred_us;
  fact.recorded_us = occurred_us + 5;
  fact.expires_us = occurred_us + 1000;
  fact.subject_initiated = true;
  fact.lifted_refusal = true;
  fact.policy_version = "p1";
  return fact;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool FileHolds(const std::string& path, const std::string& needle) {
  return ReadBytes(path).find(needle) != std::string::npos;
}

class SqlcipherStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.File("consentd.db"); }
  std::unique_ptr<SqlcipherStore> OpenOrDie(uint8_t key_fill = 1) {
    absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
        SqlcipherStore::Open(path(), KeyOf(key_fill));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  testing::TempDir dir_;
};

TEST_F(SqlcipherStoreTest, AFreshStoreIsAtTheLatestSchema) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), LatestSchemaVersion());
}

TEST_F(SqlcipherStoreTest, AppendedFactsSurviveReopenWithEveryField) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<std::vector<int64_t>> ids =
        store->AppendFacts({SampleFact(1, 100), SampleFact(1, 50)});
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, (std::vector<int64_t>{1, 2}));
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<FactRecord>> facts = store->FactsFor(DigestOf(1));
  ASSERT_TRUE(facts.ok()) << facts.status();
  ASSERT_EQ(facts->size(), 2u);
  // In occurrence order, not id order.
  EXPECT_EQ((*facts)[0].fact_id, 2);
  const FactRecord& fact = (*facts)[1];
  const FactRecord expected = SampleFact(1, 100);
  EXPECT_EQ(fact.fact_id, 1);
  EXPECT_EQ(fact.digest, expected.digest);
  EXPECT_EQ(fact.kind, expected.kind);
  EXPECT_EQ(fact.purpose, expected.purpose);
  EXPECT_EQ(fact.channel, expected.channel);
  EXPECT_EQ(fact.lawful_basis, expected.lawful_basis);
  EXPECT_EQ(fact.evidence.SerializeAsString(),
            expected.evidence.SerializeAsString());
  EXPECT_EQ(fact.occurred_us, expected.occurred_us);
  EXPECT_EQ(fact.recorded_us, expected.recorded_us);
  EXPECT_EQ(fact.expires_us, expected.expires_us);
  EXPECT_TRUE(fact.subject_initiated);
  EXPECT_TRUE(fact.lifted_refusal);
  EXPECT_EQ(fact.policy_version, "p1");
}

TEST_F(SqlcipherStoreTest, NoExpiryRoundTrips) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord fact = SampleFact(3, 10);
  fact.expires_us = kNeverExpires;
  ASSERT_TRUE(store->AppendFacts({fact}).ok());
  EXPECT_EQ(store->FactsFor(DigestOf(3))->at(0).expires_us, kNeverExpires);
}

TEST_F(SqlcipherStoreTest, FactsForReturnsOnlyThatIdentifier) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(store->AppendFacts({SampleFact(1, 1), SampleFact(2, 2)}).ok());
  EXPECT_EQ(store->FactsFor(DigestOf(2))->size(), 1u);
  EXPECT_TRUE(store->FactsFor(DigestOf(9))->empty());
}

// Facts are indexed by the first 8 bytes of their digest; two identifiers
// whose digests share them must still never see each other's facts.
TEST_F(SqlcipherStoreTest, DigestsSharingTheIndexedPrefixAreKeptApart) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord mine = SampleFact(1, 1);
  FactRecord theirs = SampleFact(1, 2);
  theirs.digest.back() = 2;
  FactRecord third = SampleFact(1, 3);
  third.digest.back() = 3;
  ASSERT_TRUE(store->AppendFacts({mine, theirs, third}).ok());
  ASSERT_EQ(store->FactsFor(mine.digest)->size(), 1u);
  EXPECT_EQ(store->FactsFor(theirs.digest)->at(0).fact_id, 2);

  ASSERT_TRUE(store->EraseFacts({mine.digest}, {}, "request-1", 10).ok());
  EXPECT_TRUE(store->FactsFor(mine.digest)->empty());
  ASSERT_TRUE(store->RectifyFacts(theirs.digest, {}).ok());
  EXPECT_TRUE(store->FactsFor(theirs.digest)->empty());
  EXPECT_EQ(store->FactsFor(third.digest)->size(), 1u);
}

TEST_F(SqlcipherStoreTest, RectifyingDropsTheOldGrantsKeepsItsRefusals) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord objection = SampleFact(1, 2);
  objection.kind = consent::v1::FACT_KIND_OBJECTION;
  ASSERT_TRUE(store->AppendFacts({SampleFact(1, 1), objection}).ok());
  FactRecord copy = SampleFact(2, 1);
  absl::StatusOr<std::vector<int64_t>> ids =
      store->RectifyFacts(DigestOf(1), {copy});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{3}));
  absl::StatusOr<std::vector<FactRecord>> old = store->FactsFor(DigestOf(1));
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ(old->at(0).kind, consent::v1::FACT_KIND_OBJECTION);
  ASSERT_EQ(store->FactsFor(DigestOf(2))->size(), 1u);
}

TEST_F(SqlcipherStoreTest, ScanVisitsEveryFactInIdOrder) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(store
                  ->AppendFacts(
                      {SampleFact(1, 30), SampleFact(2, 20), SampleFact(1, 10)})
                  .ok());
  std::vector<int64_t> seen;
  ASSERT_TRUE(store
                  ->ScanFacts([&](const FactSummary& fact) {
                    seen.push_back(fact.fact_id);
                    EXPECT_EQ(fact.purpose, "marketing");
                    EXPECT_TRUE(fact.subject_initiated);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(SqlcipherStoreTest, ScanStopsAtTheVisitorsError) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(store->AppendFacts({SampleFact(1, 1), SampleFact(1, 2)}).ok());
  int visits = 0;
  absl::Status status = store->ScanFacts([&](const FactSummary&) {
    ++visits;
    return absl::CancelledError("stop");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(visits, 1);
}

TEST_F(SqlcipherStoreTest, AWrongKeyIsAClearErrorNotAnEmptyStore) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(store->AppendFacts({SampleFact(1, 1)}).ok());
  }
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), KeyOf(2));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("wrong key"));
  // And the data is still there for the right key.
  EXPECT_EQ(OpenOrDie(1)->FactsFor(DigestOf(1))->size(), 1u);
}

TEST_F(SqlcipherStoreTest, AFileThatIsNoDatabaseIsAClearError) {
  std::ofstream(path()) << std::string(4096, 'x');
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), KeyOf(1));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("not a consentd database"));
}

TEST_F(SqlcipherStoreTest, AStoreFromANewerConsentdIsRefused) {
  OpenOrDie(1).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::string pragma =
      "PRAGMA key = \"x'" + KeyOf(1).Hex() + "'\"; PRAGMA user_version = 99;";
  ASSERT_EQ(sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(path(), KeyOf(1));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer"));
}

// Version 6 replaced the (digest, occurred_us) index with a digest prefix.
TEST_F(SqlcipherStoreTest, AVersion5StoreIsMigratedAndKeepsItsFacts) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
    ASSERT_TRUE(
        store->AppendFacts({SampleFact(1, 20), SampleFact(1, 10)}).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::string downgrade =
      "PRAGMA key = \"x'" + KeyOf(1).Hex() +
      "'\"; DROP INDEX facts_by_digest_prefix;"
      "CREATE INDEX facts_by_digest ON facts (digest, occurred_us);"
      "PRAGMA user_version = 5;";
  ASSERT_EQ(sqlite3_exec(db, downgrade.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  std::unique_ptr<SqlcipherStore> store = OpenOrDie(1);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 6);
  absl::StatusOr<std::vector<FactRecord>> facts = store->FactsFor(DigestOf(1));
  ASSERT_TRUE(facts.ok()) << facts.status();
  ASSERT_EQ(facts->size(), 2u);
  EXPECT_EQ(facts->at(0).occurred_us, 10);
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

TEST_F(SqlcipherStoreTest, ASecondOpenWhileInUseIsRefused) {
  std::unique_ptr<SqlcipherStore> first = OpenOrDie();
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> second =
      SqlcipherStore::Open(path(), KeyOf(1));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST_F(SqlcipherStoreTest, AMissingDirectoryIsAClearError) {
  absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
      SqlcipherStore::Open(dir_.File("no/such/dir/consentd.db"), KeyOf(1));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqlcipherStoreTest, DatabaseAndWalHoldNoPlaintext) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord fact = SampleFact(1, 1);
  fact.evidence.set_evidence_reference("PLAINTEXT-MARKER-7731");
  ASSERT_TRUE(store->AppendFacts({fact}).ok());
  // While open the write sits in the WAL; both files must be ciphertext.
  EXPECT_FALSE(FileHolds(path(), "PLAINTEXT-MARKER-7731"));
  EXPECT_FALSE(FileHolds(path() + "-wal", "PLAINTEXT-MARKER-7731"));
  EXPECT_FALSE(FileHolds(path(), "SQLite format 3"));
  store.reset();
  EXPECT_FALSE(FileHolds(path(), "PLAINTEXT-MARKER-7731"));
}

TEST_F(SqlcipherStoreTest, TheScanWouldSeePlaintextInAnUnencryptedFile) {
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

}  // namespace
}  // namespace consentd::store

namespace consentd::store {
namespace {

class SqlcipherListStoreTest : public SqlcipherStoreTest {
 protected:
  static ListRecord Header(const std::string& version) {
    ListRecord list;
    list.version = version;
    list.purposes = {"marketing"};
    list.imported_us = 42;
    return list;
  }

  // Stages, fills and publishes a list of `digest_fills`.
  ListRecord Publish(SqlcipherStore& store, const std::string& name,
                     const std::string& version,
                     const std::vector<uint8_t>& digest_fills) {
    absl::StatusOr<int64_t> id = store.StageList(Header(version));
    EXPECT_TRUE(id.ok()) << id.status();
    std::vector<crypto::Digest> digests;
    for (uint8_t fill : digest_fills) digests.push_back(DigestOf(fill));
    EXPECT_TRUE(store.AppendListEntries(*id, digests).ok());
    absl::StatusOr<ListRecord> published = store.PublishList(*id, name, 3);
    EXPECT_TRUE(published.ok()) << published.status();
    return published.ok() ? *published : ListRecord();
  }

  std::vector<crypto::Digest> Entries(SqlcipherStore& store, int64_t list_id) {
    std::vector<crypto::Digest> entries;
    EXPECT_TRUE(store
                    .ScanListEntries(list_id,
                                     [&](const crypto::Digest& digest) {
                                       entries.push_back(digest);
                                     })
                    .ok());
    return entries;
  }
};

TEST_F(SqlcipherListStoreTest, APublishedListKeepsItsDescriptionAndEntries) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord list = Publish(*store, "dnc", "v1", {1, 2, 2, 3});
  EXPECT_EQ(list.name, "dnc");
  EXPECT_EQ(list.version, "v1");
  EXPECT_EQ(list.entries, 3) << "duplicates are stored once";
  EXPECT_EQ(list.rejected_entries, 3);
  EXPECT_EQ(list.purposes, std::vector<std::string>{"marketing"});
  EXPECT_TRUE(list.channels.empty());
  EXPECT_EQ(list.imported_us, 42);
  EXPECT_EQ(Entries(*store, list.list_id).size(), 3u);
}

TEST_F(SqlcipherListStoreTest, AStagedListIsInvisibleUntilPublished) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<int64_t> id = store->StageList(Header("v1"));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(store->AppendListEntries(*id, {DigestOf(1)}).ok());
  EXPECT_TRUE(store->Lists()->empty());
}

TEST_F(SqlcipherListStoreTest, PublishingReplacesTheListOfTheSameName) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord first = Publish(*store, "dnc", "v1", {1, 2});
  ListRecord second = Publish(*store, "dnc", "v2", {3});
  absl::StatusOr<std::vector<ListRecord>> lists = store->Lists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ((*lists)[0].version, "v2");
  EXPECT_TRUE(Entries(*store, first.list_id).empty()) << "old entries deleted";
  EXPECT_EQ(Entries(*store, second.list_id),
            std::vector<crypto::Digest>{DigestOf(3)});
}

TEST_F(SqlcipherListStoreTest, ADiscardedStagedListLeavesNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<int64_t> id = store->StageList(Header("v1"));
  ASSERT_TRUE(store->AppendListEntries(*id, {DigestOf(1)}).ok());
  ASSERT_TRUE(store->DiscardStagedList(*id).ok());
  EXPECT_TRUE(Entries(*store, *id).empty());
  EXPECT_EQ(store->PublishList(*id, "dnc", 0).status().code(),
            absl::StatusCode::kNotFound);
}

// Publishing deletes the list it replaces before it finds nothing staged:
// the failure must take the deletion back, and leave no transaction open.
TEST_F(SqlcipherListStoreTest, AFailedPublishChangesNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  Publish(*store, "dnc", "v1", {1});
  absl::StatusOr<int64_t> id = store->StageList(Header("v2"));
  ASSERT_TRUE(store->DiscardStagedList(*id).ok());
  EXPECT_EQ(store->PublishList(*id, "dnc", 0).status().code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<ListRecord>> lists = store->Lists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ(lists->at(0).version, "v1");
  EXPECT_TRUE(store->AppendFacts({SampleFact(1, 1)}).ok());
}

TEST_F(SqlcipherListStoreTest, AnImportACrashInterruptedIsDiscardedOnOpen) {
  int64_t staged;
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    Publish(*store, "dnc", "v1", {1});
    absl::StatusOr<int64_t> id = store->StageList(Header("v2"));
    ASSERT_TRUE(id.ok());
    staged = *id;
    ASSERT_TRUE(store->AppendListEntries(staged, {DigestOf(9)}).ok());
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  EXPECT_TRUE(Entries(*store, staged).empty());
  ASSERT_EQ(store->Lists()->size(), 1u);
  EXPECT_EQ(store->Lists()->at(0).version, "v1");
}

TEST_F(SqlcipherListStoreTest, DroppingRemovesTheListAndSaysWhenThereIsNone) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord list = Publish(*store, "dnc", "v1", {1});
  ASSERT_TRUE(store->DropList("dnc").ok());
  EXPECT_TRUE(store->Lists()->empty());
  EXPECT_TRUE(Entries(*store, list.list_id).empty());
  EXPECT_EQ(store->DropList("dnc").code(), absl::StatusCode::kNotFound);
}

TEST_F(SqlcipherListStoreTest, ListsAreReturnedByName) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  Publish(*store, "zeta", "v1", {1});
  Publish(*store, "alpha", "v1", {2});
  absl::StatusOr<std::vector<ListRecord>> lists = store->Lists();
  ASSERT_EQ(lists->size(), 2u);
  EXPECT_EQ((*lists)[0].name, "alpha");
  EXPECT_EQ((*lists)[1].name, "zeta");
}

}  // namespace
}  // namespace consentd::store

namespace consentd::store {
namespace {

TEST_F(SqlcipherStoreTest, ReceiptsAreKeptByIdAndSurviveReopen) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_TRUE(
        store->SaveReceipt("rcpt-1", std::string("\x01\x00\x02", 3), 7).ok());
    EXPECT_EQ(store->SaveReceipt("rcpt-1", "again", 8).code(),
              absl::StatusCode::kAlreadyExists);
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<std::string> receipt = store->LoadReceipt("rcpt-1");
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(*receipt, std::string("\x01\x00\x02", 3));
  EXPECT_EQ(store->LoadReceipt("rcpt-2").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace consentd::store
