// The story of issue #3, end to end against a real consentd:
//
//   An agent calls a lead; the person says "not interested, never call me
//   again"; the dialer records a do-not-contact. The campaign manager exports
//   the leads, deletes the comments and re-imports them as fresh leads under
//   a new name, with the number now written "031 123 456" instead of
//   "+386 31 123 456". Every check of that lead for any marketing purpose
//   and channel is denied with reason OBJECTION. A bulk import that claims
//   consent for that number is refused. Only a new web-form double opt-in by
//   the person lifts it, and the record shows it.
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/calling_hours.h"
#include "tests/testing/running_consentd.h"

namespace consentd {
namespace {

using ::testing::HasSubstr;

class RefusalSurvivesReimportScenario : public testing::RunningConsentd {
 protected:
  void SetUp() override {
    RunningConsentd::SetUp();
    if (HasFatalFailure()) return;
    client_.emplace(server_->address());
  }

  consent::v1::Decision CallCheck(const std::string& number,
                                  const std::string& purpose,
                                  const std::string& channel) {
    consent::v1::CheckRequest request;
    request.add_identifiers()->set_phone(number);
    request.set_default_region("SI");
    request.set_purpose(purpose);
    request.set_channel(channel);
    *request.mutable_at() = at_;
    absl::StatusOr<consent::v1::CheckResponse> response =
        client_->Check(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->decision() : consent::v1::Decision();
  }

  consent::v1::RecordConsentRequest MarketingByPhone(
      const std::string& number, consent::v1::CollectionMethod method) {
    consent::v1::RecordConsentRequest request;
    request.add_identifiers()->set_phone(number);
    request.set_default_region("SI");
    request.set_purpose("marketing");
    request.set_channel("phone");
    request.set_action(consent::v1::CONSENT_ACTION_GRANT);
    request.mutable_evidence()->set_collection_method(method);
    return request;
  }

  std::optional<client::ConsentClient> client_;
  // After every fact the test records, inside the calling hours.
  const google::protobuf::Timestamp at_ =
      testing::CallingHourAfter(absl::Now());
};

TEST_F(RefusalSurvivesReimportScenario, OnlyThePersonCanLiftTheirRefusal) {
  // The lead came on a purchased list that claimed marketing consent.
  consent::v1::RecordConsentRequest purchased = MarketingByPhone(
      "+386 31 123 456", consent::v1::COLLECTION_METHOD_BULK_IMPORT);
  purchased.mutable_evidence()->set_source("lead-list-2026-q4");
  ASSERT_TRUE(client_->RecordConsent(purchased).ok());
  EXPECT_EQ(CallCheck("+386 31 123 456", "marketing", "phone").verdict(),
            consent::v1::VERDICT_ALLOW);

  // The agent calls; "not interested, never call me again".
  consent::v1::RecordObjectionRequest disposition;
  disposition.add_identifiers()->set_phone("+386 31 123 456");
  disposition.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  disposition.mutable_evidence()->set_evidence_reference("call-rec-88121");
  disposition.mutable_evidence()->set_collector("agent-17");
  disposition.mutable_evidence()->set_source("dialer");
  ASSERT_TRUE(client_->RecordObjection(disposition).ok());

  // Exported, cleaned, re-imported as a fresh lead: the number now reads
  // "031 123 456". Every marketing check is denied, on every channel.
  for (const char* purpose : {"marketing", "partner-marketing"}) {
    for (const char* channel : {"phone", "sms", "email", "post"}) {
      consent::v1::Decision decision =
          CallCheck("031 123 456", purpose, channel);
      EXPECT_EQ(decision.verdict(), consent::v1::VERDICT_DENY);
      EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_OBJECTION)
          << purpose << " over " << channel;
    }
  }

  // The re-import claims consent again: refused, and nothing is recorded.
  absl::StatusOr<consent::v1::RecordConsentResponse> reimport =
      client_->RecordConsent(MarketingByPhone(
          "031 123 456", consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  EXPECT_EQ(reimport.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reimport.status().message(), HasSubstr("standing objection"));
  EXPECT_EQ(CallCheck("031 123 456", "marketing", "phone").reason(),
            consent::v1::DECISION_REASON_OBJECTION);

  // Months later the person signs up on the web form and confirms by e-mail.
  consent::v1::RecordConsentRequest opt_in = MarketingByPhone(
      "031 123 456", consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  opt_in.mutable_evidence()->set_evidence_reference("form-submission-4410");
  opt_in.mutable_evidence()->set_notice_version("marketing-notice-v3");
  absl::StatusOr<consent::v1::RecordConsentResponse> lifted =
      client_->RecordConsent(opt_in);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->lifted_refusal());
  EXPECT_EQ(CallCheck("+38631123456", "marketing", "phone").reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  // Only what the person opted into: the rest stays refused.
  EXPECT_EQ(CallCheck("+38631123456", "partner-marketing", "phone").reason(),
            consent::v1::DECISION_REASON_OBJECTION);

  // The record tells the whole story: the purchased consent, the refusal,
  // and the opt-in that lifted it. The refused re-import left no trace.
  consent::v1::GetRecordRequest record_request;
  record_request.mutable_identifier()->set_phone("031 123 456");
  record_request.set_default_region("SI");
  absl::StatusOr<consent::v1::GetRecordResponse> record =
      client_->GetRecord(record_request);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->facts_size(), 3);
  EXPECT_EQ(record->facts(0).evidence().collection_method(),
            consent::v1::COLLECTION_METHOD_BULK_IMPORT);
  EXPECT_FALSE(record->facts(0).lifted_refusal());
  EXPECT_EQ(record->facts(1).kind(), consent::v1::FACT_KIND_OBJECTION);
  EXPECT_EQ(record->facts(1).evidence().evidence_reference(), "call-rec-88121");
  EXPECT_EQ(record->facts(2).kind(), consent::v1::FACT_KIND_CONSENT_GRANTED);
  EXPECT_EQ(record->facts(2).evidence().collection_method(),
            consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  EXPECT_TRUE(record->facts(2).lifted_refusal());
}

}  // namespace
}  // namespace consentd
