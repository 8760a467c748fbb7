// The story of issue #5, end to end against a real consentd:
//
//   A person writes to the company: "delete everything you have on me". The
//   officer opens an ERASURE request, verifies identity, executes it,
//   completes it. A month later a purchased lead list contains the person's
//   e-mail and phone in other formats; the scrub and every check deny them
//   with reason ERASED. An ACCESS request for those identifiers finds
//   nothing but the fact that an erasure happened, and when.
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/calling_hours.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/running_consentd.h"

namespace consentd {
namespace {

using google::protobuf::util::TimeUtil;
using testing::Email;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Phone;

// What the company held about the person, none of which may survive.
constexpr char kEmail[] = "maja.kovac@example.si";
constexpr char kPhone[] = "+386 41 555 012";
constexpr char kEvidence[] = "call-recording-MAJA-2291";
constexpr char kContact[] = "maja.kovac@example.si, Trubarjeva 7";

class ForgetMeScenario : public testing::RunningConsentd {
 protected:
  void SetUp() override {
    RunningConsentd::SetUp();
    if (HasFatalFailure()) return;
    client_.emplace(server_->address());
  }

  // The officer's steps up to a verified request; returns it.
  consent::v1::DataSubjectRequest OpenVerified(
      consent::v1::RequestType type,
      const std::vector<consent::v1::Identifier>& identifiers) {
    consent::v1::OpenRequestRequest open;
    open.set_type(type);
    for (const consent::v1::Identifier& identifier : identifiers) {
      *open.add_identifiers() = identifier;
    }
    open.set_default_region("SI");
    open.set_received_via("e-mail");
    open.set_requester_contact(kContact);
    absl::StatusOr<consent::v1::DataSubjectRequest> opened =
        client_->OpenRequest(open);
    EXPECT_TRUE(opened.ok()) << opened.status();
    consent::v1::VerifyIdentityRequest verify;
    verify.set_request_id(opened->request_id());
    verify.set_method("reply from the address on file");
    absl::StatusOr<consent::v1::DataSubjectRequest> verified =
        client_->VerifyIdentity(verify);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? *verified : consent::v1::DataSubjectRequest();
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> Complete(
      const std::string& id) {
    consent::v1::CompleteRequestRequest complete;
    complete.set_request_id(id);
    return client_->CompleteRequest(complete);
  }

  std::optional<client::ConsentClient> client_;
};

TEST_F(ForgetMeScenario, AnErasedPersonStaysForgottenAndSuppressed) {
  // What the company knew: marketing consent from a recorded call, and a
  // "no surveys" objection.
  consent::v1::RecordConsentRequest consent;
  *consent.add_identifiers() = Phone(kPhone);
  *consent.add_identifiers() = Email(kEmail);
  consent.set_purpose("marketing");
  consent.set_action(consent::v1::CONSENT_ACTION_GRANT);
  consent.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  consent.mutable_evidence()->set_evidence_reference(kEvidence);
  ASSERT_TRUE(client_->RecordConsent(consent).ok());

  // "Delete everything you have on me."
  consent::v1::DataSubjectRequest erasure = OpenVerified(
      consent::v1::REQUEST_TYPE_ERASURE, {Email(kEmail), Phone(kPhone)});
  const absl::Time erased_around = absl::Now();
  absl::StatusOr<consent::v1::DataSubjectRequest> erased =
      Complete(erasure.request_id());
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_THAT(erased->DebugString(), Not(HasSubstr("maja")));

  // A month later a purchased lead list holds her again, written
  // differently, among other people.
  const google::protobuf::Timestamp weeks_later =
      testing::CallingHourAfter(absl::Now() + absl::Hours(24 * 20));
  const std::vector<std::vector<consent::v1::Identifier>> leads = {
      {Phone("041 555 012")},
      {Email("  Maja.Kovac@EXAMPLE.si ")},
      {Phone("00386 41 555 012"), Email("someone.new@example.si")},
      {Phone("031 999 000")},
  };
  consent::v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("phone");
  header.set_default_region("SI");
  *header.mutable_at() = weeks_later;
  header.set_list_name("purchased-leads-2026-12");
  size_t next = 0;
  std::vector<consent::v1::ScrubRowResult> results;
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = client_->Scrub(
      header,
      [&](consent::v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (next == leads.size()) return false;
        row->set_row_id(absl::StrCat("lead-", next));
        for (const consent::v1::Identifier& id : leads[next]) {
          *row->add_identifiers() = id;
        }
        ++next;
        return true;
      },
      [&](const consent::v1::ScrubRowResult& result) {
        results.push_back(result);
      });
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(results.size(), leads.size());
  for (int row : {0, 1, 2}) {
    EXPECT_EQ(results[row].verdict(), consent::v1::VERDICT_DENY) << row;
    EXPECT_EQ(results[row].reason(), consent::v1::DECISION_REASON_ERASED)
        << row;
  }
  EXPECT_EQ(results[3].verdict(), consent::v1::VERDICT_ALLOW)
      << "a stranger on the list is not caught up in it";
  EXPECT_EQ(receipt->rows_allowed(), 1);

  // Every check, for every purpose and channel, says ERASED.
  for (const char* purpose :
       {"marketing", "partner-marketing", "customer-care", "surveys"}) {
    for (const char* channel : {"phone", "sms", "email", "post"}) {
      consent::v1::CheckRequest check;
      *check.add_identifiers() = Phone("041555012");
      check.set_default_region("SI");
      check.set_purpose(purpose);
      check.set_channel(channel);
      *check.mutable_at() = weeks_later;
      absl::StatusOr<consent::v1::CheckResponse> answer = client_->Check(check);
      ASSERT_TRUE(answer.ok()) << answer.status();
      EXPECT_EQ(answer->decision().reason(),
                consent::v1::DECISION_REASON_ERASED)
          << purpose << " over " << channel;
      *check.mutable_identifiers(0) = Email("MAJA.KOVAC@example.si");
      EXPECT_EQ(client_->Check(check)->decision().reason(),
                consent::v1::DECISION_REASON_ERASED)
          << purpose << " over " << channel;
    }
  }

  // She asks what is held about her: only that an erasure happened, and
  // when.
  consent::v1::DataSubjectRequest access =
      OpenVerified(consent::v1::REQUEST_TYPE_ACCESS,
                   {Email("Maja.Kovac@example.si"), Phone("041 555 012")});
  consent::v1::ExportSubjectRequest export_request;
  export_request.set_request_id(access.request_id());
  absl::StatusOr<consent::v1::ExportSubjectResponse> exported =
      client_->ExportSubject(export_request);
  ASSERT_TRUE(exported.ok()) << exported.status();
  consent::v1::SubjectExport document;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(exported->document(),
                                                          &document)
                  .ok());
  ASSERT_EQ(document.records_size(), 2);
  for (const consent::v1::SubjectRecord& record : document.records()) {
    ASSERT_EQ(record.facts_size(), 1);
    const consent::v1::RecordedFact& fact = record.facts(0);
    EXPECT_EQ(fact.kind(), consent::v1::FACT_KIND_ERASURE);
    EXPECT_EQ(fact.evidence().evidence_reference(), erasure.request_id());
    const absl::Time when = absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(fact.occurred_at()));
    EXPECT_LT(absl::AbsDuration(when - erased_around), absl::Minutes(1));
    EXPECT_TRUE(record.suppression_lists().empty());
  }
  // The erasure request is there as the record that it happened: dates and
  // history, none of her data. Her contact appears only in today's request.
  ASSERT_EQ(document.requests_size(), 2);
  const consent::v1::DataSubjectRequest& kept = document.requests(0);
  EXPECT_EQ(kept.request_id(), erasure.request_id());
  EXPECT_EQ(kept.type(), consent::v1::REQUEST_TYPE_ERASURE);
  EXPECT_EQ(kept.state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_THAT(kept.DebugString(), Not(HasSubstr("maja")));
  EXPECT_THAT(kept.DebugString(), Not(HasSubstr("Trubarjeva")));
  EXPECT_THAT(exported->document(), Not(HasSubstr(kEvidence)));
  EXPECT_EQ(document.requests(1).request_id(), access.request_id());

  absl::StatusOr<consent::v1::DataSubjectRequest> answered =
      Complete(access.request_id());
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->state(), consent::v1::REQUEST_STATE_COMPLETED);

  // Nothing of her reached the server's log either.
  const std::string log = server_->log();
  for (const char* secret :
       {"maja", "Maja", "41555012", "41 555 012", kEvidence, "Trubarjeva"}) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
  }
}

}  // namespace
}  // namespace consentd
