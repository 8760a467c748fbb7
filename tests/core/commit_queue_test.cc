// Group commit, made deterministic: a store whose AppendFacts can be held
// until the test lets it go, so that writes pile up behind a commit in
// flight exactly as they do under load.
#include "service/core/commit_queue.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "access/caller.h"
#include "crypto/blind_index.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identifiers/identifier_normaliser.h"
#include "policy/default_policy.h"
#include "service/core/consent_ledger.h"
#include "service/core/identifier_resolver.h"
#include "service/store/sqlcipher_store.h"
#include "tests/testing/temp_dir.h"

namespace consentd::core {
namespace {

const access::Caller kAnyone{"tester", access::kEveryRole};

using ::testing::HasSubstr;

// Delegates to a real store; AppendFacts counts its calls, can be held at
// its start until Release(), and can be made to fail.
class HeldStore final : public store::FactStore {
 public:
  explicit HeldStore(store::FactStore* inner) : inner_(inner) {}

  void HoldNextAppend() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  // Waits until an append is being held.
  void AwaitHeld() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&holding_));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    hold_ = false;
  }
  void FailAppends(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_ = fail;
  }
  // The next append fails; later ones do not.
  void FailNextAppend() {
    absl::MutexLock lock(&mu_);
    fail_next_ = true;
  }
  int appends() {
    absl::MutexLock lock(&mu_);
    return appends_;
  }

  absl::StatusOr<store::AppendOutcome> AppendFacts(
      absl::Span<const store::FactRecord> facts,
      absl::Span<const store::AuditDraft> audit,
      absl::Span<const store::IdempotencyClaim> claims) override {
    {
      absl::MutexLock lock(&mu_);
      ++appends_;
      holding_ = hold_;
      mu_.Await(absl::Condition(
          +[](bool* hold) { return !*hold; }, &hold_));
      holding_ = false;
      if (fail_ || fail_next_) {
        fail_next_ = false;
        return absl::UnavailableError("disk went away");
      }
    }
    return inner_->AppendFacts(facts, audit, claims);
  }
  absl::StatusOr<std::optional<store::HeldClaim>> FindClaim(
      const std::string& principal, const std::string& key) override {
    return inner_->FindClaim(principal, key);
  }
  absl::Status ForgetClaims(int64_t before_us) override {
    return inner_->ForgetClaims(before_us);
  }
  absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const store::FactSummary&)> visit)
      override {
    return inner_->ScanFacts(visit);
  }
  absl::StatusOr<std::vector<store::FactRecord>> FactsFor(
      const crypto::Digest& digest) override {
    return inner_->FactsFor(digest);
  }
  absl::StatusOr<std::vector<int64_t>> EraseFacts(
      absl::Span<const crypto::Digest> digests,
      absl::Span<const store::FactRecord> tombstones,
      const std::string& request_id, int64_t erased_us,
      int64_t recorded_up_to_us, const store::AuditDraft& audit) override {
    return inner_->EraseFacts(digests, tombstones, request_id, erased_us,
                              recorded_up_to_us, audit);
  }
  absl::StatusOr<std::vector<int64_t>> RectifyFacts(
      const crypto::Digest& from, absl::Span<const store::FactRecord> copies,
      const store::AuditDraft& audit) override {
    return inner_->RectifyFacts(from, copies, audit);
  }
  absl::Status PurgeDeletedCopies() override {
    return inner_->PurgeDeletedCopies();
  }

 private:
  store::FactStore* const inner_;
  absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_next_ ABSL_GUARDED_BY(mu_) = false;
  int appends_ ABSL_GUARDED_BY(mu_) = 0;
};

class CommitQueueTest : public ::testing::Test {
 protected:
  CommitQueueTest()
      : policy_(
            *policy::PolicyModel::FromTextProto(policy::DefaultPolicyText())),
        normaliser_(policy_.Current()->email(),
                    policy_.Current()->default_region()),
        blind_index_(crypto::SecretKey()),
        resolver_(&normaliser_, &blind_index_),
        sqlcipher_(OpenStore()),
        store_(&sqlcipher_->facts()),
        journal_(*ErasureJournalFile::Open(dir_.File("erasure-journal"),
                                           crypto::SecretKey())),
        ledger_(&store_, &sqlcipher_->audit(), journal_.get(), &index_,
                &policy_, &resolver_, SystemClock()) {}

  std::unique_ptr<store::ConsentStore> OpenStore() {
    return *store::SqlcipherStore::Open(dir_.File("consentd.db"),
                                        {crypto::SecretKey()});
  }

  static consent::v1::RecordObjectionRequest Objection(
      const std::string& email) {
    consent::v1::RecordObjectionRequest request;
    request.add_identifiers()->set_email(email);
    request.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_VERBAL);
    return request;
  }

  // One objection fact under a digest made of `fill`.
  static std::vector<store::FactRecord> Record(uint8_t fill) {
    store::FactRecord fact;
    fact.digest.fill(fill);
    fact.kind = consent::v1::FACT_KIND_OBJECTION;
    fact.policy_version = "p";
    return {fact};
  }

  // The audit entry of a queued write.
  static store::AuditDraft Audit() {
    store::AuditDraft draft;
    draft.actor = "tester";
    draft.action = "fact.objection";
    return draft;
  }

  // Waits up to `limit` for the index to hold `count` facts.
  bool IndexReaches(size_t count, absl::Duration limit) {
    const absl::Time deadline = absl::Now() + limit;
    while (index_.fact_count() < count) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  static consent::v1::RecordConsentRequest BulkGrant(const std::string& email) {
    consent::v1::RecordConsentRequest request;
    request.add_identifiers()->set_email(email);
    request.set_purpose("marketing");
    request.set_action(consent::v1::CONSENT_ACTION_GRANT);
    request.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_BULK_IMPORT);
    return request;
  }

  testing::TempDir dir_;
  LivePolicy policy_;
  identifiers::IdentifierNormaliser normaliser_;
  crypto::BlindIndex blind_index_;
  IdentifierResolver resolver_;
  FactIndex index_;
  std::unique_ptr<store::ConsentStore> sqlcipher_;
  HeldStore store_;
  std::unique_ptr<ErasureJournalFile> journal_;
  ConsentLedger ledger_;
};

TEST_F(CommitQueueTest, WritesArrivingDuringACommitShareTheNextOne) {
  CommitQueue queue(&store_, &index_, &policy_);
  store_.HoldNextAppend();
  CommitQueue::Ticket first = queue.Enqueue(Record(1), Audit());
  std::thread first_writer([&] { EXPECT_TRUE(queue.Await(first).ok()); });
  store_.AwaitHeld();

  // Five writes queue while the first commit is held.
  std::vector<CommitQueue::Ticket> queued;
  for (uint8_t fill = 2; fill <= 6; ++fill)
    queued.push_back(queue.Enqueue(Record(fill), Audit()));
  crypto::Digest two;
  two.fill(2);
  ASSERT_EQ(queue.PendingFacts(two).size(), 1u);
  EXPECT_GE(queue.PendingFacts(two)[0].fact_id, kFirstProvisionalFactId);
  EXPECT_EQ(index_.fact_count(), 0u) << "nothing is visible before it commits";

  std::vector<std::thread> followers;
  std::vector<int64_t> ids(queued.size());
  for (size_t i = 0; i < queued.size(); ++i) {
    followers.emplace_back([&, i] {
      absl::StatusOr<CommitQueue::Committed> committed = queue.Await(queued[i]);
      ASSERT_TRUE(committed.ok()) << committed.status();
      ids[i] = committed->ids.at(0);
    });
  }
  store_.Release();
  first_writer.join();
  for (std::thread& follower : followers) follower.join();

  EXPECT_EQ(store_.appends(), 2)
      << "one commit for the first, one for all five";
  EXPECT_EQ(index_.fact_count(), 6u);
  EXPECT_TRUE(queue.PendingFacts(two).empty());
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_EQ(ids[i], ids[i - 1] + 1);
}

TEST_F(CommitQueueTest, AWriteWithACompletionIsAnsweredOnceDurableAndVisible) {
  absl::Mutex mu;
  std::optional<absl::StatusOr<consent::v1::RecordObjectionResponse>> outcome;
  size_t indexed_when_answered = 0;
  store_.HoldNextAppend();
  ledger_.RecordObjection(
      kAnyone, Objection("ana@x.si"),
      [&](absl::StatusOr<consent::v1::RecordObjectionResponse> result) {
        absl::MutexLock lock(&mu);
        indexed_when_answered = index_.fact_count();
        outcome = std::move(result);
      });
  store_.AwaitHeld();
  {
    absl::MutexLock lock(&mu);
    EXPECT_FALSE(outcome.has_value()) << "answered before the commit";
  }
  store_.Release();
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(
      absl::Condition(
          +[](std::optional<
               absl::StatusOr<consent::v1::RecordObjectionResponse>>* o) {
            return o->has_value();
          },
          &outcome),
      absl::Seconds(30)));
  ASSERT_TRUE(outcome->ok()) << outcome->status();
  EXPECT_EQ((*outcome)->fact_ids_size(), 1);
  EXPECT_EQ(indexed_when_answered, 1u) << "answered before checks see it";
}

TEST_F(CommitQueueTest, ASlowAnswerHoldsUpNoCommit) {
  CommitQueue queue(&store_, &index_, &policy_);
  absl::Notification answering, let_answer_finish;
  queue.Enqueue(Record(1), Audit(),
                [&](absl::StatusOr<CommitQueue::Committed>) {
                  answering.Notify();
                  let_answer_finish.WaitForNotification();
                });
  ASSERT_TRUE(answering.WaitForNotificationWithTimeout(absl::Seconds(30)));
  queue.Enqueue(Record(2), Audit());
  EXPECT_TRUE(IndexReaches(2, absl::Seconds(10)))
      << "the second write waited for the first one's answer";
  let_answer_finish.Notify();
}

TEST_F(CommitQueueTest, EveryAnswerRunsInCommitOrderBeforeTheQueueIsGone) {
  absl::Mutex mu;
  std::vector<int64_t> answered_ids;
  auto answer = [&](absl::StatusOr<CommitQueue::Committed> committed) {
    ASSERT_TRUE(committed.ok()) << committed.status();
    absl::MutexLock lock(&mu);
    answered_ids.push_back(committed->ids.at(0));
  };
  {
    CommitQueue queue(&store_, &index_, &policy_);
    store_.HoldNextAppend();
    queue.Enqueue(Record(1), Audit(), answer);
    store_.AwaitHeld();
    for (uint8_t fill = 2; fill <= 6; ++fill)
      queue.Enqueue(Record(fill), Audit(), answer);
    store_.Release();
  }
  absl::MutexLock lock(&mu);
  ASSERT_EQ(answered_ids.size(), 6u);
  for (size_t i = 1; i < answered_ids.size(); ++i) {
    EXPECT_EQ(answered_ids[i], answered_ids[i - 1] + 1);
  }
}

TEST_F(CommitQueueTest, ARefusedWriteIsAnsweredAtOnceOnTheCallingThread) {
  consent::v1::RecordObjectionRequest no_evidence = Objection("ana@x.si");
  no_evidence.clear_evidence();
  std::optional<absl::Status> status;
  std::thread::id answered_on;
  ledger_.RecordObjection(
      kAnyone, no_evidence,
      [&](absl::StatusOr<consent::v1::RecordObjectionResponse> result) {
        status = result.status();
        answered_on = std::this_thread::get_id();
      });
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(answered_on, std::this_thread::get_id());
  EXPECT_EQ(store_.appends(), 0);
}

TEST_F(CommitQueueTest, AQueuedRefusalStopsABulkGrantBeforeItCommits) {
  store_.HoldNextAppend();
  std::thread objection([&] {
    EXPECT_TRUE(ledger_.RecordObjection(kAnyone, Objection("ana@x.si")).ok());
  });
  store_.AwaitHeld();
  absl::StatusOr<consent::v1::RecordConsentResponse> grant =
      ledger_.RecordConsent(kAnyone, BulkGrant("ana@x.si"));
  EXPECT_EQ(grant.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(grant.status().message(), HasSubstr("being committed"));
  store_.Release();
  objection.join();
}

// What a keyed grant and its retry were answered, with an objection queued
// between them while the first attempt's commit was held.
struct GrantRetryOutcome {
  absl::StatusOr<consent::v1::RecordConsentResponse> first;
  absl::StatusOr<consent::v1::RecordConsentResponse> retry;
};

class GrantRetryTest : public CommitQueueTest {
 protected:
  // A grant times out while its commit is held (and then fails, with
  // `first_fails`); an objection queues; the grant is retried with its key.
  GrantRetryOutcome GrantRetriedAfterAQueuedObjection(bool first_fails) {
    ConsentLedger& ledger = ledger_;
    HeldStore& store = store_;
    consent::v1::RecordConsentRequest grant = BulkGrant("ana@x.si");
    grant.set_idempotency_key("import-1-row-1");
    using GrantOutcome = absl::StatusOr<consent::v1::RecordConsentResponse>;
    GrantRetryOutcome outcome{absl::UnknownError("unanswered"),
                              absl::UnknownError("unanswered")};
    absl::Notification first_done, retry_done, objection_done;
    if (first_fails) store.FailNextAppend();
    store.HoldNextAppend();
    ledger.RecordConsent(kAnyone, grant, [&](GrantOutcome answer) {
      outcome.first = std::move(answer);
      first_done.Notify();
    });
    store.AwaitHeld();
    ledger.RecordObjection(
        kAnyone, Objection("ana@x.si"),
        [&](absl::StatusOr<consent::v1::RecordObjectionResponse> answer) {
          EXPECT_TRUE(answer.ok()) << answer.status();
          objection_done.Notify();
        });
    ledger.RecordConsent(kAnyone, grant, [&](GrantOutcome answer) {
      outcome.retry = std::move(answer);
      retry_done.Notify();
    });
    store.Release();
    EXPECT_TRUE(first_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    EXPECT_TRUE(
        objection_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    EXPECT_TRUE(retry_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    return outcome;
  }
};

// The retry must join the first attempt, not be refused by the objection
// queued after it.
TEST_F(GrantRetryTest, ARetryOfAQueuedGrantJoinsItThoughARefusalQueuedSince) {
  GrantRetryOutcome outcome =
      GrantRetriedAfterAQueuedObjection(/*first_fails=*/false);
  ASSERT_TRUE(outcome.first.ok()) << outcome.first.status();
  ASSERT_TRUE(outcome.retry.ok()) << outcome.retry.status();
  EXPECT_EQ(outcome.retry->fact_ids(0), outcome.first->fact_ids(0));
  EXPECT_EQ(index_.fact_count(), 2u) << "one grant, one objection";
}

// When the first attempt's commit fails, the joined retry records nothing
// and is refused as the objection queued meanwhile says.
TEST_F(GrantRetryTest, ARetryJoiningAFailedGrantIsRefusedAndRecordsNothing) {
  GrantRetryOutcome outcome =
      GrantRetriedAfterAQueuedObjection(/*first_fails=*/true);
  EXPECT_EQ(outcome.first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(outcome.retry.status().code(),
            absl::StatusCode::kFailedPrecondition)
      << outcome.retry.status();
  EXPECT_EQ(index_.fact_count(), 1u) << "the objection alone";
}

TEST_F(CommitQueueTest, AFailedCommitFailsEveryWriteInItAndIndexesNothing) {
  store_.FailAppends(true);
  absl::StatusOr<consent::v1::RecordObjectionResponse> response =
      ledger_.RecordObjection(kAnyone, Objection("ana@x.si"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(index_.fact_count(), 0u);
  store_.FailAppends(false);
  // Nothing of the failed write lingers as a queued refusal.
  EXPECT_TRUE(ledger_.RecordConsent(kAnyone, BulkGrant("ana@x.si")).ok());
}

}  // namespace
}  // namespace consentd::core
