#include "service/store/sqlcipher_audit_trail.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::testing::ElementsAre;

class RecordingWitness final : public AuditWitness {
 public:
  void Committed(const AuditHead& head) override { heads.push_back(head); }
  std::vector<AuditHead> heads;
};

class SqlcipherAuditTrailTest : public SqlcipherStoreFixture {
 protected:
  static std::vector<AuditRecord> Entries(SqlcipherStore& store) {
    std::vector<AuditRecord> entries;
    EXPECT_TRUE(store.audit()
                    .ScanEntries(1, 1000,
                                 [&](const AuditRecord& entry) {
                                   entries.push_back(entry);
                                   return absl::OkStatus();
                                 })
                    .ok());
    return entries;
  }
};

TEST_F(SqlcipherAuditTrailTest, EveryWriteAppendsItsEntriesInOneChain) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  AuditDraft first = Audit("fact.objection", 2);
  first.subjects = {DigestOf(1), DigestOf(2)};
  AuditDraft second = Audit("fact.consent_granted", 1);
  second.object_ids = {"request:r-1"};
  ASSERT_TRUE(
      store->facts()
          .AppendFacts({SampleFact(1, 1), SampleFact(2, 1), SampleFact(3, 1)},
                       {first, second}, {})
          .ok());
  ASSERT_TRUE(store->requests()
                  .SaveRequest("r-1", consent::v1::REQUEST_STATE_RECEIVED, 5,
                               "r", Audit("request.opened"))
                  .ok());
  ASSERT_TRUE(store->audit().Append(Audit("list.drop_asked")).ok());

  std::vector<AuditRecord> entries = Entries(*store);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].action, "fact.objection");
  EXPECT_THAT(entries[0].object_ids, ElementsAre("fact:1", "fact:2"));
  EXPECT_EQ(entries[0].subjects, first.subjects);
  EXPECT_THAT(entries[1].object_ids, ElementsAre("request:r-1", "fact:3"));
  EXPECT_EQ(entries[2].action, "request.opened");
  EXPECT_EQ(entries[3].action, "list.drop_asked");
  crypto::Digest previous = crypto::kAuditGenesisHash;
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].sequence, static_cast<int64_t>(i + 1));
    EXPECT_EQ(entries[i].previous_hash, previous);
    EXPECT_EQ(entries[i].entry_hash,
              crypto::AuditEntryHash(previous, entries[i].Fields()));
    previous = entries[i].entry_hash;
  }
  absl::StatusOr<AuditHead> head = store->audit().Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->sequence, 4);
  EXPECT_EQ(head->entry_hash, previous);
}

TEST_F(SqlcipherAuditTrailTest, AFailedWriteAppendsNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  EXPECT_EQ(
      store->lists().DropList("no-such-list", Audit("list.dropped")).code(),
      absl::StatusCode::kNotFound);
  // Drafts that do not account for the facts: nothing is written.
  EXPECT_EQ(
      store->facts()
          .AppendFacts({SampleFact(1, 1)}, {Audit("fact.objection", 2)}, {})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  AuditDraft newline = Audit("request.opened");
  newline.object_ids = {"request:a\nb"};
  EXPECT_EQ(store->audit().Append(newline).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Entries(*store).empty());
  EXPECT_TRUE(store->facts().FactsFor(DigestOf(1))->empty());
}

TEST_F(SqlcipherAuditTrailTest, TheWitnessHearsEachCommitsHeadInOrder) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  RecordingWitness witness;
  store->audit().SetWitness(&witness);
  ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 1)}).ok());
  ASSERT_TRUE(
      store->facts()
          .AppendFacts({SampleFact(2, 1)}, {Audit("a", 1), Audit("b")}, {})
          .ok());
  EXPECT_EQ(store->lists().DropList("none", Audit("list.dropped")).code(),
            absl::StatusCode::kNotFound);
  store->audit().SetWitness(nullptr);
  ASSERT_TRUE(store->audit().Append(Audit("unwitnessed")).ok());

  ASSERT_EQ(witness.heads.size(), 2u);
  EXPECT_EQ(witness.heads[0].sequence, 1);
  EXPECT_EQ(witness.heads[1].sequence, 3);
  EXPECT_EQ(witness.heads[1].entry_hash, Entries(*store)[2].entry_hash);
}

TEST_F(SqlcipherAuditTrailTest, EntriesSurviveErasureAndReopening) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 1)}).ok());
    AuditDraft erased = Audit("subject.erased");
    erased.subjects = {DigestOf(1)};
    ASSERT_TRUE(store->facts()
                    .EraseFacts({DigestOf(1)}, {}, "r-1", 9, kEveryFact, erased)
                    .ok());
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  std::vector<AuditRecord> entries = Entries(*store);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "fact.test");
  EXPECT_EQ(entries[1].action, "subject.erased");
  EXPECT_EQ(entries[1].subjects, std::vector<crypto::Digest>{DigestOf(1)});
}

TEST_F(SqlcipherAuditTrailTest, CheckpointsAreKeptBySequence) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  EXPECT_EQ(store->audit().Checkpoint(0).status().code(),
            absl::StatusCode::kNotFound);
  for (int64_t sequence : {3, 9, 5}) {
    consent::v1::AuditCheckpoint checkpoint;
    checkpoint.set_sequence(sequence);
    checkpoint.set_key_id("k");
    ASSERT_TRUE(store->audit().SaveCheckpoint(checkpoint).ok());
  }
  EXPECT_EQ(store->audit().Checkpoint(0)->sequence(), 9);
  EXPECT_EQ(store->audit().Checkpoint(5)->sequence(), 5);
  EXPECT_EQ(store->audit().Checkpoint(4).status().code(),
            absl::StatusCode::kNotFound);
  std::vector<int64_t> scanned;
  ASSERT_TRUE(store->audit()
                  .ScanCheckpoints(4, 9,
                                   [&](const consent::v1::AuditCheckpoint& c) {
                                     scanned.push_back(c.sequence());
                                     return absl::OkStatus();
                                   })
                  .ok());
  EXPECT_THAT(scanned, ElementsAre(5, 9));
}

}  // namespace
}  // namespace consentd::store
