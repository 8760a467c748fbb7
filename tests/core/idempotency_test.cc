// Retries that do not duplicate: a write sent again with its idempotency
// key records nothing and gets the first answer.
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class IdempotencyTest : public CoreFixture {
 protected:
  static consent::v1::RecordObjectionRequest KeyedObjection(
      const std::string& email, const std::string& key) {
    consent::v1::RecordObjectionRequest request = Objection(Email(email));
    request.set_idempotency_key(key);
    return request;
  }

  size_t FactsFor(const std::string& email) {
    consent::v1::GetRecordRequest request;
    *request.mutable_identifier() = Email(email);
    absl::StatusOr<consent::v1::GetRecordResponse> record =
        core_->ledger().GetRecord(kOfficer1, request);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? record->facts_size() : 0;
  }
};

TEST_F(IdempotencyTest, ARetriedRefusalIsRecordedOnceAndAnsweredTheSame) {
  auto first = core_->ledger().RecordObjection(
      kDialer, KeyedObjection("ana@example.si", "call-881-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  now_ += absl::Seconds(30);
  auto retry = core_->ledger().RecordObjection(
      kDialer, KeyedObjection("ana@example.si", "call-881-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_THAT(retry->fact_ids(), ElementsAreArray(first->fact_ids()));
  EXPECT_EQ(retry->recorded_at().seconds(), first->recorded_at().seconds());
  EXPECT_EQ(FactsFor("ana@example.si"), 1u);
  // And after a restart, from the store.
  Reopen();
  auto after_restart = core_->ledger().RecordObjection(
      kDialer, KeyedObjection("ana@example.si", "call-881-1"));
  ASSERT_TRUE(after_restart.ok()) << after_restart.status();
  EXPECT_THAT(after_restart->fact_ids(), ElementsAreArray(first->fact_ids()));
  EXPECT_EQ(FactsFor("ana@example.si"), 1u);
}

TEST_F(IdempotencyTest, ConcurrentRetriesRecordOnce) {
  std::vector<std::thread> callers;
  std::vector<std::vector<int64_t>> ids(8);
  for (size_t i = 0; i < ids.size(); ++i) {
    callers.emplace_back([&, i] {
      auto answer = core_->ledger().RecordObjection(
          kDialer, KeyedObjection("ana@example.si", "same-key"));
      ASSERT_TRUE(answer.ok()) << answer.status();
      ids[i].assign(answer->fact_ids().begin(), answer->fact_ids().end());
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const std::vector<int64_t>& answer : ids) EXPECT_EQ(answer, ids[0]);
  EXPECT_EQ(FactsFor("ana@example.si"), 1u);
}

TEST_F(IdempotencyTest, AKeyReusedForAnotherRequestIsRefused) {
  ASSERT_TRUE(
      core_->ledger()
          .RecordObjection(kDialer, KeyedObjection("ana@example.si", "k-1"))
          .ok());
  absl::Status other =
      core_->ledger()
          .RecordObjection(kDialer, KeyedObjection("bor@example.si", "k-1"))
          .status();
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(), HasSubstr("different request"));
  EXPECT_EQ(FactsFor("bor@example.si"), 0u);
}

TEST_F(IdempotencyTest, KeysArePerPrincipal) {
  const access::Caller other_dialer{"dialer-2", {access::Role::kDialer}};
  ASSERT_TRUE(
      core_->ledger()
          .RecordObjection(kDialer, KeyedObjection("ana@example.si", "k-1"))
          .ok());
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(other_dialer,
                                   KeyedObjection("ana@example.si", "k-1"))
                  .ok());
  EXPECT_EQ(FactsFor("ana@example.si"), 2u);
}

TEST_F(IdempotencyTest, ARetriedGrantGetsItsAnswerThoughARefusalCameSince) {
  consent::v1::RecordConsentRequest grant = Consent(
      Email("ana@example.si"), consent::v1::COLLECTION_METHOD_BULK_IMPORT,
      consent::v1::CONSENT_ACTION_GRANT, "marketing", "email");
  grant.set_idempotency_key("import-7-row-12");
  auto first = core_->ledger().RecordConsent(kCollector, grant);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("ana@example.si")))
                  .ok());
  // Without its key the grant would now be refused; its retry is not.
  auto retry = core_->ledger().RecordConsent(kCollector, grant);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_THAT(retry->fact_ids(), ElementsAreArray(first->fact_ids()));
  EXPECT_EQ(FactsFor("ana@example.si"), 2u);
  grant.clear_idempotency_key();
  EXPECT_EQ(core_->ledger().RecordConsent(kCollector, grant).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(IdempotencyTest, AKeyIsForgottenAfterThePolicysWindow) {
  ASSERT_TRUE(
      core_->ledger()
          .RecordObjection(kDialer, KeyedObjection("ana@example.si", "k-1"))
          .ok());
  now_ += absl::Hours(25);  // the shipped policy keeps keys a day
  ASSERT_TRUE(
      core_->ledger()
          .RecordObjection(kDialer, KeyedObjection("ana@example.si", "k-1"))
          .ok());
  EXPECT_EQ(FactsFor("ana@example.si"), 2u);
}

TEST_F(IdempotencyTest, ABadKeyIsRefused) {
  for (const std::string& key :
       {std::string("has space"), std::string(129, 'k'), std::string("\x01")}) {
    EXPECT_EQ(
        core_->ledger()
            .RecordObjection(kDialer, KeyedObjection("ana@example.si", key))
            .status()
            .code(),
        absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(FactsFor("ana@example.si"), 0u);
}

}  // namespace
}  // namespace consentd::core
