// RECTIFICATION: the subject's record moves to the corrected identifier;
// refusals on the old one stay, its consent does not.
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/request_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class RectificationTest : public RequestFixture {
 protected:
  absl::StatusOr<consent::v1::DataSubjectRequest> Rectify(
      const consent::v1::Identifier& from, const consent::v1::Identifier& to) {
    consent::v1::DataSubjectRequest request =
        Open(consent::v1::REQUEST_TYPE_RECTIFICATION, {from}, &to);
    return VerifyAndComplete(request.request_id());
  }

  void Grant(const consent::v1::Identifier& identifier,
             consent::v1::CollectionMethod method =
                 consent::v1::COLLECTION_METHOD_RECORDED_CALL) {
    absl::StatusOr<consent::v1::RecordConsentResponse> granted =
        core_->ledger().RecordConsent(kCollector, Consent(identifier, method));
    ASSERT_TRUE(granted.ok()) << granted.status();
  }

  const consent::v1::Identifier wrong_ = Phone("031 123 456");
  const consent::v1::Identifier right_ = Phone("031 123 465");
};

TEST_F(RectificationTest, ConsentMovesToTheCorrectedIdentifier) {
  Grant(wrong_);
  ASSERT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_NO_CONSENT);
  absl::StatusOr<consent::v1::DataSubjectRequest> done =
      Rectify(wrong_, right_);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_THAT(done->history().rbegin()->note(), HasSubstr("moved 1 fact"));

  EXPECT_EQ(Decide(CheckOf(right_)).verdict(), consent::v1::VERDICT_ALLOW);
  // The old number may be somebody else's: the consent was never theirs.
  EXPECT_EQ(Decide(CheckOf(wrong_)).reason(),
            consent::v1::DECISION_REASON_NO_CONSENT);
  consent::v1::GetRecordResponse moved = Record(right_);
  ASSERT_EQ(moved.facts_size(), 1);
  EXPECT_EQ(moved.facts(0).evidence().evidence_reference(), "form-1");
  EXPECT_EQ(Record(wrong_).facts_size(), 0);
}

TEST_F(RectificationTest, ARefusalOnTheOldIdentifierStays) {
  ASSERT_TRUE(core_->ledger().RecordObjection(kDialer, Objection(wrong_)).ok());
  ASSERT_TRUE(Rectify(wrong_, right_).ok());
  EXPECT_EQ(Decide(CheckOf(wrong_)).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  // The person's objection follows them.
  EXPECT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(RectificationTest, AMovedOldGrantDoesNotOutrankANewerWithdrawal) {
  Grant(wrong_);
  now_ += absl::Hours(1);
  ASSERT_TRUE(
      core_->ledger()
          .RecordConsent(
              kDialer,
              Consent(right_, consent::v1::COLLECTION_METHOD_RECORDED_CALL,
                      consent::v1::CONSENT_ACTION_WITHDRAW))
          .ok());
  now_ += absl::Hours(1);
  ASSERT_TRUE(Rectify(wrong_, right_).ok());
  // Moved facts keep when they took effect: the grant is older.
  EXPECT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_CONSENT_WITHDRAWN);
  Reopen();
  EXPECT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_CONSENT_WITHDRAWN);
}

TEST_F(RectificationTest, MovedConsentNeverLiftsTheNewIdentifiersRefusal) {
  ASSERT_TRUE(core_->ledger().RecordObjection(kDialer, Objection(right_)).ok());
  now_ += absl::Hours(1);
  Grant(wrong_, consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  ASSERT_TRUE(Rectify(wrong_, right_).ok());
  EXPECT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  Reopen();
  EXPECT_EQ(Decide(CheckOf(right_)).reason(),
            consent::v1::DECISION_REASON_OBJECTION)
      << "the index rebuilt from the store agrees";
  EXPECT_EQ(Decide(CheckOf(wrong_)).reason(),
            consent::v1::DECISION_REASON_NO_CONSENT);
}

TEST_F(RectificationTest, AnErasedIdentifierCannotBeRectified) {
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, {wrong_});
  ASSERT_TRUE(VerifyAndComplete(erasure.request_id()).ok());
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_RECTIFICATION, {wrong_}, &right_);
  ASSERT_TRUE(Verify(request.request_id()).ok());
  EXPECT_EQ(Complete(request.request_id()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(desk().Get(request.request_id())->state(),
            consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  EXPECT_EQ(Record(right_).facts_size(), 0);
}

TEST_F(RectificationTest, ARectificationNamesOneIdentifierAndADifferentOne) {
  consent::v1::OpenRequestRequest request;
  request.set_type(consent::v1::REQUEST_TYPE_RECTIFICATION);
  request.set_default_region("SI");
  *request.add_identifiers() = wrong_;
  *request.mutable_replacement() = Phone("+386 31 123 456");
  EXPECT_THAT(desk().Open(kOfficer1, request).status().message(),
              HasSubstr("same identifier"));
  *request.mutable_replacement() = right_;
  *request.add_identifiers() = Email("ana@example.si");
  EXPECT_EQ(desk().Open(kOfficer1, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::core
