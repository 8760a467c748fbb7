#include "service/store/sqlcipher_fact_store.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::testing::HasSubstr;

class SqlcipherFactStoreTest : public SqlcipherStoreFixture {};

TEST_F(SqlcipherFactStoreTest, AppendedFactsSurviveReopenWithEveryField) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<std::vector<int64_t>> ids =
        Append(store->facts(), {SampleFact(1, 100), SampleFact(1, 50)});
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, (std::vector<int64_t>{1, 2}));
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<FactRecord>> facts =
      store->facts().FactsFor(DigestOf(1));
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
  EXPECT_EQ(fact.recorded_by, "spiffe://callcentre.example/collector/web-1");
}

TEST_F(SqlcipherFactStoreTest, NoExpiryRoundTrips) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord fact = SampleFact(3, 10);
  fact.expires_us = kNeverExpires;
  ASSERT_TRUE(Append(store->facts(), {fact}).ok());
  EXPECT_EQ(store->facts().FactsFor(DigestOf(3))->at(0).expires_us,
            kNeverExpires);
}

TEST_F(SqlcipherFactStoreTest, FactsForReturnsOnlyThatIdentifier) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(
      Append(store->facts(), {SampleFact(1, 1), SampleFact(2, 2)}).ok());
  EXPECT_EQ(store->facts().FactsFor(DigestOf(2))->size(), 1u);
  EXPECT_TRUE(store->facts().FactsFor(DigestOf(9))->empty());
}

// Facts are indexed by the first 8 bytes of their digest; two identifiers
// whose digests share them must still never see each other's facts.
TEST_F(SqlcipherFactStoreTest, DigestsSharingTheIndexedPrefixAreKeptApart) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord mine = SampleFact(1, 1);
  FactRecord theirs = SampleFact(1, 2);
  theirs.digest.back() = 2;
  FactRecord third = SampleFact(1, 3);
  third.digest.back() = 3;
  ASSERT_TRUE(Append(store->facts(), {mine, theirs, third}).ok());
  ASSERT_EQ(store->facts().FactsFor(mine.digest)->size(), 1u);
  EXPECT_EQ(store->facts().FactsFor(theirs.digest)->at(0).fact_id, 2);

  ASSERT_TRUE(store->facts()
                  .EraseFacts({mine.digest}, {}, "request-1", 10, kEveryFact,
                              Audit("subject.erased"))
                  .ok());
  EXPECT_TRUE(store->facts().FactsFor(mine.digest)->empty());
  ASSERT_TRUE(store->facts()
                  .RectifyFacts(theirs.digest, {}, Audit("subject.rectified"))
                  .ok());
  EXPECT_TRUE(store->facts().FactsFor(theirs.digest)->empty());
  EXPECT_EQ(store->facts().FactsFor(third.digest)->size(), 1u);
}

TEST_F(SqlcipherFactStoreTest, RectifyingDropsTheOldGrantsKeepsItsRefusals) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  FactRecord objection = SampleFact(1, 2);
  objection.kind = consent::v1::FACT_KIND_OBJECTION;
  ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 1), objection}).ok());
  FactRecord copy = SampleFact(2, 1);
  absl::StatusOr<std::vector<int64_t>> ids = store->facts().RectifyFacts(
      DigestOf(1), {copy}, Audit("subject.rectified", 1));
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{3}));
  absl::StatusOr<std::vector<FactRecord>> old =
      store->facts().FactsFor(DigestOf(1));
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ(old->at(0).kind, consent::v1::FACT_KIND_OBJECTION);
  ASSERT_EQ(store->facts().FactsFor(DigestOf(2))->size(), 1u);
}

TEST_F(SqlcipherFactStoreTest, ScanVisitsEveryFactInIdOrder) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(Append(store->facts(),
                     {SampleFact(1, 30), SampleFact(2, 20), SampleFact(1, 10)})
                  .ok());
  std::vector<int64_t> seen;
  ASSERT_TRUE(store->facts()
                  .ScanFacts([&](const FactSummary& fact) {
                    seen.push_back(fact.fact_id);
                    EXPECT_EQ(fact.purpose, "marketing");
                    EXPECT_TRUE(fact.subject_initiated);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(SqlcipherFactStoreTest, ScanStopsAtTheVisitorsError) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(
      Append(store->facts(), {SampleFact(1, 1), SampleFact(1, 2)}).ok());
  int visits = 0;
  absl::Status status = store->facts().ScanFacts([&](const FactSummary&) {
    ++visits;
    return absl::CancelledError("stop");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(visits, 1);
}

TEST_F(SqlcipherFactStoreTest, ErasingReplacesTheSubjectsFactsWithTombstones) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(Append(store->facts(),
                     {SampleFact(1, 10), SampleFact(1, 20), SampleFact(2, 30)})
                  .ok());
  FactRecord tombstone;
  tombstone.digest = DigestOf(1);
  tombstone.kind = consent::v1::FACT_KIND_ERASURE;
  tombstone.occurred_us = 40;
  absl::StatusOr<std::vector<int64_t>> ids =
      store->facts().EraseFacts({DigestOf(1)}, {tombstone}, "dsr-1", 40,
                                kEveryFact, Audit("subject.erased", 1));
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 1u);

  absl::StatusOr<std::vector<FactRecord>> erased =
      store->facts().FactsFor(DigestOf(1));
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_EQ(erased->size(), 1u);
  EXPECT_EQ((*erased)[0].kind, consent::v1::FACT_KIND_ERASURE);
  EXPECT_EQ((*erased)[0].fact_id, (*ids)[0]);
  EXPECT_EQ(store->facts().FactsFor(DigestOf(2))->size(), 1u)
      << "another subject's facts stay";
}

TEST_F(SqlcipherFactStoreTest, PurgingDeletedCopiesEmptiesTheWal) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(Append(store->facts(), {SampleFact(1, 10)}).ok());
  ASSERT_TRUE(store->facts()
                  .EraseFacts({DigestOf(1)}, {}, "dsr-1", 20, kEveryFact,
                              Audit("subject.erased"))
                  .ok());
  ASSERT_GT(ReadBytes(path() + "-wal").size(), 0u);
  ASSERT_TRUE(store->facts().PurgeDeletedCopies().ok());
  EXPECT_EQ(ReadBytes(path() + "-wal").size(), 0u);
}

}  // namespace

// One write claiming `key` for "dialer-1", its answer "first".
IdempotencyClaim Claim(const std::string& key, uint8_t fingerprint_fill = 7) {
  IdempotencyClaim claim;
  claim.principal = "dialer-1";
  claim.key = key;
  claim.fingerprint.fill(fingerprint_fill);
  claim.answer = "first";
  claim.recorded_us = 1000;
  return claim;
}

TEST_F(SqlcipherFactStoreTest, AClaimedKeyMakesARetryAReplayThatWritesNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<AppendOutcome> first =
      store->facts().AppendFacts({SampleFact(1, 10), SampleFact(2, 10)},
                                 {Audit("fact.objection", 2)}, {Claim("k-1")});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->fact_ids.size(), 2u);
  EXPECT_FALSE(first->replayed[0].has_value());

  absl::StatusOr<AppendOutcome> retry =
      store->facts().AppendFacts({SampleFact(1, 10), SampleFact(2, 10)},
                                 {Audit("fact.objection", 2)}, {Claim("k-1")});
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->fact_ids.empty());
  ASSERT_TRUE(retry->replayed[0].has_value());
  EXPECT_EQ(retry->replayed[0]->fact_ids, first->fact_ids);
  EXPECT_EQ(retry->replayed[0]->answer, "first");
  EXPECT_EQ(store->facts().FactsFor(DigestOf(1))->size(), 1u);

  // Another principal's key of the same name is its own.
  IdempotencyClaim other = Claim("k-1");
  other.principal = "dialer-2";
  absl::StatusOr<AppendOutcome> theirs = store->facts().AppendFacts(
      {SampleFact(1, 10)}, {Audit("fact.objection", 1)}, {other});
  ASSERT_TRUE(theirs.ok());
  EXPECT_FALSE(theirs->replayed[0].has_value());
  EXPECT_EQ(store->facts().FactsFor(DigestOf(1))->size(), 2u);
}

TEST_F(SqlcipherFactStoreTest, TheSameKeyTwiceInOneCommitWritesOnce) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<AppendOutcome> outcome = store->facts().AppendFacts(
      {SampleFact(1, 10), SampleFact(3, 10), SampleFact(1, 10)},
      {Audit("fact.objection", 1), Audit("fact.objection", 1),
       Audit("fact.objection", 1)},
      {Claim("k-1"), IdempotencyClaim{}, Claim("k-1", /*fill=*/9)});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->fact_ids.size(), 2u);
  ASSERT_TRUE(outcome->replayed[2].has_value());
  EXPECT_EQ(outcome->replayed[2]->fact_ids,
            std::vector<int64_t>{outcome->fact_ids[0]});
  crypto::Digest first_fingerprint;
  first_fingerprint.fill(7);
  EXPECT_EQ(outcome->replayed[2]->fingerprint, first_fingerprint)
      << "the first write's, for the caller to compare";
  EXPECT_EQ(store->facts().FactsFor(DigestOf(1))->size(), 1u);
}

TEST_F(SqlcipherFactStoreTest, AFailedCommitClaimsNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  // Counts that do not add up: the whole commit fails.
  EXPECT_FALSE(store->facts()
                   .AppendFacts({SampleFact(1, 10)},
                                {Audit("fact.objection", 2)}, {Claim("k-1")})
                   .ok());
  EXPECT_FALSE(store->facts().FindClaim("dialer-1", "k-1")->has_value());
}

TEST_F(SqlcipherFactStoreTest, ClaimsAreFoundUntilForgotten) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(store->facts()
                  .AppendFacts({SampleFact(1, 10)},
                               {Audit("fact.objection", 1)}, {Claim("k-1")})
                  .ok());
  store.reset();
  store = OpenOrDie();
  absl::StatusOr<std::optional<HeldClaim>> held =
      store->facts().FindClaim("dialer-1", "k-1");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->answer, "first");
  EXPECT_EQ((*held)->fact_ids.size(), 1u);
  ASSERT_TRUE(store->facts().ForgetClaims(/*before_us=*/1000).ok());
  EXPECT_TRUE(store->facts().FindClaim("dialer-1", "k-1")->has_value())
      << "made at 1000, not before";
  ASSERT_TRUE(store->facts().ForgetClaims(/*before_us=*/1001).ok());
  EXPECT_FALSE(store->facts().FindClaim("dialer-1", "k-1")->has_value());
}

}  // namespace consentd::store
