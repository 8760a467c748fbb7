#include "service/core/consent_ledger.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConsentLedgerTest : public CoreFixture {
 protected:
  ConsentLedger& ledger() { return core_->ledger(); }

  int FactCount(const consent::v1::Identifier& identifier) {
    consent::v1::GetRecordRequest request;
    *request.mutable_identifier() = identifier;
    request.set_default_region("SI");
    absl::StatusOr<consent::v1::GetRecordResponse> record =
        ledger().GetRecord(kOfficer1, request);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? record->facts_size() : -1;
  }
};

TEST_F(ConsentLedgerTest, AGlobalObjectionDeniesEveryPurposeAndChannel) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  for (const char* purpose : {"marketing", "customer-care", "surveys"}) {
    for (const char* channel : {"phone", "sms", "email", "post"}) {
      consent::v1::Decision decision =
          Decide(CheckOf(Phone("031 123 456"), purpose, channel));
      EXPECT_EQ(decision.verdict(), consent::v1::VERDICT_DENY);
      EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_OBJECTION)
          << purpose << "/" << channel;
    }
  }
}

TEST_F(ConsentLedgerTest, ABulkImportCannotLiftAnObjectionAndRecordsNothing) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  absl::StatusOr<consent::v1::RecordConsentResponse> response =
      ledger().RecordConsent(
          kCollector, Consent(Phone("031 123 456"),
                              consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("objection"));
  EXPECT_THAT(response.status().message(), HasSubstr("BULK_IMPORT"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("123")));
  EXPECT_EQ(FactCount(Phone("+38631123456")), 1);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(ConsentLedgerTest, SubjectInitiatedConsentLiftsAnObjectionAndSaysSo) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  now_ += absl::Hours(1);
  absl::StatusOr<consent::v1::RecordConsentResponse> response =
      ledger().RecordConsent(
          kCollector,
          Consent(Phone("+38631123456"),
                  consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->lifted_refusal());
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  // Only for the purpose and channel consented to.
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"), "marketing", "sms")).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(ConsentLedgerTest, AWithdrawalIsLiftedOnlyBySubjectInitiatedConsent) {
  ASSERT_TRUE(
      ledger()
          .RecordConsent(
              kCollector,
              Consent(Email("ana@example.si"),
                      consent::v1::COLLECTION_METHOD_WEB_FORM,
                      consent::v1::CONSENT_ACTION_WITHDRAW, "marketing", ""))
          .ok());
  now_ += absl::Minutes(5);
  absl::StatusOr<consent::v1::RecordConsentResponse> api_grant =
      ledger().RecordConsent(
          kCollector,
          Consent(Email("ana@example.si"), consent::v1::COLLECTION_METHOD_API,
                  consent::v1::CONSENT_ACTION_GRANT, "marketing", "email"));
  EXPECT_EQ(api_grant.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(api_grant.status().message(), HasSubstr("consent withdrawal"));

  absl::StatusOr<consent::v1::RecordConsentResponse> paper_grant =
      ledger().RecordConsent(
          kCollector,
          Consent(Email("ana@example.si"), consent::v1::COLLECTION_METHOD_PAPER,
                  consent::v1::CONSENT_ACTION_GRANT, "marketing", "email"));
  ASSERT_TRUE(paper_grant.ok()) << paper_grant.status();
  EXPECT_TRUE(paper_grant->lifted_refusal());
}

TEST_F(ConsentLedgerTest, ConsentDatedBeforeTheRefusalCannotLiftIt) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  consent::v1::RecordConsentRequest request =
      Consent(Phone("+38631123456"),
              consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  *request.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ - absl::Hours(1)));
  absl::StatusOr<consent::v1::RecordConsentResponse> response =
      ledger().RecordConsent(kCollector, request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("dated before"));
}

TEST_F(ConsentLedgerTest, ConsentForEveryChannelMeetsAnyChannelsObjection) {
  ASSERT_TRUE(
      ledger()
          .RecordObjection(kDialer, Objection(Phone("+38631123456"), "", "sms"))
          .ok());
  absl::StatusOr<consent::v1::RecordConsentResponse> response =
      ledger().RecordConsent(
          kCollector,
          Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_API,
                  consent::v1::CONSENT_ACTION_GRANT, "marketing", ""));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ConsentLedgerTest, WithoutARefusalAnyMethodMayRecordConsent) {
  absl::StatusOr<consent::v1::RecordConsentResponse> response =
      ledger().RecordConsent(
          kCollector, Consent(Phone("+38631123456"),
                              consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->lifted_refusal());
  EXPECT_EQ(response->policy_version(), core_->policy()->version());
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST_F(ConsentLedgerTest, EveryIdentifierOfAWriteIsRecorded) {
  consent::v1::RecordObjectionRequest request =
      Objection(Phone("+38631123456"));
  *request.add_identifiers() = Email("ana@example.si");
  absl::StatusOr<consent::v1::RecordObjectionResponse> response =
      ledger().RecordObjection(kDialer, request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->fact_ids_size(), 2);
  EXPECT_EQ(
      Decide(CheckOf(Email("ANA@example.si"), "marketing", "email")).reason(),
      consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(ConsentLedgerTest, AnInvalidIdentifierIsRejectedWithoutEchoingIt) {
  consent::v1::RecordObjectionRequest request =
      Objection(Phone("+38631123456"));
  *request.add_identifiers() = Email("not-an-address");
  absl::StatusOr<consent::v1::RecordObjectionResponse> response =
      ledger().RecordObjection(kDialer, request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("identifiers[1]"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("not-an-address")));
  // Nothing of the request was recorded.
  EXPECT_EQ(FactCount(Phone("+38631123456")), 0);
}

TEST_F(ConsentLedgerTest, BadInputIsRejectedAndChangesNothing) {
  consent::v1::RecordConsentRequest unknown_purpose =
      Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_WEB_FORM);
  unknown_purpose.set_purpose("telepathy");
  consent::v1::RecordConsentRequest no_method = Consent(
      Phone("+38631123456"), consent::v1::COLLECTION_METHOD_UNSPECIFIED);
  consent::v1::RecordConsentRequest no_action =
      Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_WEB_FORM,
              consent::v1::CONSENT_ACTION_UNSPECIFIED);
  consent::v1::RecordConsentRequest future =
      Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_WEB_FORM);
  *future.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ + absl::Hours(1)));
  consent::v1::RecordConsentRequest too_many =
      Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_WEB_FORM);
  for (int i = 0; i < 16; ++i) *too_many.add_identifiers() = Email("a@b.si");
  consent::v1::RecordConsentRequest long_evidence =
      Consent(Phone("+38631123456"), consent::v1::COLLECTION_METHOD_WEB_FORM);
  long_evidence.mutable_evidence()->set_evidence_reference(
      std::string(300, 'r'));

  for (const auto& [name, request] :
       std::vector<std::pair<std::string, consent::v1::RecordConsentRequest>>{
           {"unknown purpose", unknown_purpose},
           {"no method", no_method},
           {"no action", no_action},
           {"future", future},
           {"too many identifiers", too_many},
           {"long evidence", long_evidence}}) {
    EXPECT_EQ(ledger().RecordConsent(kCollector, request).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_EQ(FactCount(Phone("+38631123456")), 0);
}

TEST_F(ConsentLedgerTest, TheIndexIsRebuiltFromTheStoreOnReopen) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  ASSERT_TRUE(
      ledger()
          .RecordConsent(
              kCollector,
              Consent(Email("ana@example.si"),
                      consent::v1::COLLECTION_METHOD_WEB_FORM,
                      consent::v1::CONSENT_ACTION_GRANT, "marketing", "email"))
          .ok());
  Reopen();
  EXPECT_EQ(core_->index().identifier_count(), 2u);
  EXPECT_EQ(core_->index().fact_count(), 2u);
  EXPECT_EQ(Decide(CheckOf(Phone("031 123 456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(
      Decide(CheckOf(Email("ana@example.si"), "marketing", "email")).reason(),
      consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST_F(ConsentLedgerTest, ConsentLapsesAfterThePolicysExpiry) {
  ASSERT_TRUE(
      ledger()
          .RecordConsent(kCollector,
                         Consent(Phone("+38631123456"),
                                 consent::v1::COLLECTION_METHOD_WEB_FORM))
          .ok());
  // The default policy keeps marketing consent for 730 days.
  now_ += absl::Hours(24 * 729);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  now_ += absl::Hours(24 * 2);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_CONSENT_EXPIRED);
}

TEST_F(ConsentLedgerTest, GetRecordListsFactsInOrderWithTheirEvidence) {
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  now_ += absl::Hours(1);
  ASSERT_TRUE(
      ledger()
          .RecordConsent(
              kCollector,
              Consent(Phone("+38631123456"),
                      consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN))
          .ok());
  consent::v1::GetRecordRequest request;
  request.mutable_identifier()->set_phone("031 123 456");
  request.set_default_region("SI");
  absl::StatusOr<consent::v1::GetRecordResponse> record =
      ledger().GetRecord(kOfficer1, request);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->identifier().value(), "+38631123456");
  EXPECT_EQ(record->identifier().digest().size(), 64u);
  ASSERT_EQ(record->facts_size(), 2);
  EXPECT_EQ(record->facts(0).kind(), consent::v1::FACT_KIND_OBJECTION);
  EXPECT_EQ(record->facts(0).evidence().evidence_reference(), "rec-1");
  EXPECT_FALSE(record->facts(0).has_expires_at());
  EXPECT_EQ(record->facts(1).kind(), consent::v1::FACT_KIND_CONSENT_GRANTED);
  EXPECT_TRUE(record->facts(1).lifted_refusal());
  EXPECT_TRUE(record->facts(1).has_expires_at());
  EXPECT_EQ(record->facts(1).lawful_basis(), consent::v1::LAWFUL_BASIS_CONSENT);
  EXPECT_EQ(record->facts(0).recorded_by(), "dialer-1");
  EXPECT_EQ(record->facts(1).recorded_by(), "collector-1");
}

TEST_F(ConsentLedgerTest, OnlyACollectorRecordsGrants) {
  // A dialer claiming the web form's double opt-in cannot lift, nor grant.
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  now_ += absl::Hours(1);
  const consent::v1::RecordConsentRequest grant =
      Consent(Phone("+38631123456"),
              consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  for (const access::Caller& caller :
       {kDialer, kOfficer1,
        access::Caller{"admin-1", {access::Role::kAdmin}}}) {
    absl::StatusOr<consent::v1::RecordConsentResponse> refused =
        ledger().RecordConsent(caller, grant);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied)
        << caller.principal;
    EXPECT_THAT(refused.status().message(), HasSubstr("only a collector"));
  }
  EXPECT_EQ(FactCount(Phone("+38631123456")), 1);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  // A dialer may record a withdrawal.
  EXPECT_TRUE(
      ledger()
          .RecordConsent(kDialer,
                         Consent(Phone("+38631123456"),
                                 consent::v1::COLLECTION_METHOD_RECORDED_CALL,
                                 consent::v1::CONSENT_ACTION_WITHDRAW))
          .ok());
  // The collector's grant lifts the objection.
  absl::StatusOr<consent::v1::RecordConsentResponse> lifted =
      ledger().RecordConsent(kCollector, grant);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->lifted_refusal());
}

TEST_F(ConsentLedgerTest, AFutureDatedGrantDoesNotOutrankALaterObjection) {
  consent::v1::RecordConsentRequest grant =
      Consent(Phone("+38631123456"),
              consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  *grant.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ + absl::Minutes(4)));
  ASSERT_TRUE(ledger().RecordConsent(kCollector, grant).ok());
  now_ += absl::Minutes(1);
  ASSERT_TRUE(
      ledger().RecordObjection(kDialer, Objection(Phone("+38631123456"))).ok());
  now_ += absl::Minutes(1);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  now_ += absl::Minutes(5);  // past the date the grant claimed
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  // The grant is kept as recorded: no later than its recording.
  consent::v1::GetRecordRequest request;
  request.mutable_identifier()->set_phone("+38631123456");
  absl::StatusOr<consent::v1::GetRecordResponse> record =
      ledger().GetRecord(kOfficer1, request);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->facts_size(), 2);
  using google::protobuf::util::TimeUtil;
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(record->facts(0).occurred_at()),
            TimeUtil::TimestampToMicroseconds(record->facts(0).recorded_at()));
}

TEST_F(ConsentLedgerTest, ABackdatedObjectionTakesEffectWhenRecorded) {
  // A grant now, then an objection dated a week back: it denies from its
  // recording on, and even a check dated before it (within the skew the
  // policy tolerates) sees it.
  ASSERT_TRUE(
      ledger()
          .RecordConsent(kCollector,
                         Consent(Phone("+38631123456"),
                                 consent::v1::COLLECTION_METHOD_WEB_FORM))
          .ok());
  const absl::Time granted = now_;
  now_ += absl::Minutes(2);
  consent::v1::RecordObjectionRequest objection =
      Objection(Phone("+38631123456"));
  *objection.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ - absl::Hours(24 * 7)));
  ASSERT_TRUE(ledger().RecordObjection(kDialer, objection).ok());
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  consent::v1::CheckRequest before = CheckOf(Phone("+38631123456"));
  *before.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(granted + absl::Minutes(1)));
  EXPECT_EQ(Decide(before).reason(), consent::v1::DECISION_REASON_OBJECTION);
}

}  // namespace
}  // namespace consentd::core
