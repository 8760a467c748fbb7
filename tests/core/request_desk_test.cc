#include "service/core/request_desk.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilHour(y, m, d, 9), absl::UTCTimeZone());
}

class RequestDeskTest : public CoreFixture {
 protected:
  RequestDesk& desk() { return core_->request_desk(); }

  consent::v1::DataSubjectRequest OpenOrDie(
      consent::v1::RequestType type = consent::v1::REQUEST_TYPE_ERASURE,
      absl::Time received = Utc(2026, 1, 31)) {
    consent::v1::OpenRequestRequest request = OpenRequest(type);
    *request.mutable_received_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(received));
    absl::StatusOr<consent::v1::DataSubjectRequest> opened =
        desk().Open(kOfficer1, request);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? *opened : consent::v1::DataSubjectRequest();
  }

  static consent::v1::OpenRequestRequest OpenRequest(
      consent::v1::RequestType type) {
    consent::v1::OpenRequestRequest request;
    request.set_type(type);
    *request.add_identifiers() = Phone("031 123 456");
    request.set_default_region("SI");
    request.set_received_via("e-mail");
    request.set_requester_contact("ana@example.si");
    return request;
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> Verify(
      const std::string& id) {
    consent::v1::VerifyIdentityRequest request;
    request.set_request_id(id);
    request.set_method("reply from the registered address");
    return desk().VerifyIdentity(kOfficer2, request);
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> Extend(const std::string& id,
                                                         int months) {
    consent::v1::ExtendRequestRequest request;
    request.set_request_id(id);
    request.set_months(months);
    request.set_reason("records in three systems");
    return desk().Extend(kOfficer1, request);
  }

  static absl::Time Due(const consent::v1::DataSubjectRequest& request) {
    return absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(request.due_at()));
  }
};

TEST_F(RequestDeskTest, AnOpenedRequestIsDueOneCalendarMonthLater) {
  consent::v1::DataSubjectRequest request = OpenOrDie();
  EXPECT_EQ(request.state(), consent::v1::REQUEST_STATE_RECEIVED);
  EXPECT_EQ(Due(request), Utc(2026, 2, 28));
  ASSERT_EQ(request.identifiers_size(), 1);
  EXPECT_EQ(request.identifiers(0).value(), "+38631123456");
  EXPECT_EQ(request.identifiers(0).digest().size(), 64u);
  ASSERT_EQ(request.history_size(), 1);
  EXPECT_EQ(request.history(0).officer(), "dpo-1");
  EXPECT_THAT(request.request_id(), ::testing::StartsWith("dsr-"));
}

TEST_F(RequestDeskTest, VerificationRecordsTheMethodAndTheOfficer) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  absl::StatusOr<consent::v1::DataSubjectRequest> verified =
      Verify(opened.request_id());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->state(), consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  ASSERT_EQ(verified->history_size(), 2);
  EXPECT_EQ(verified->history(1).officer(), "dpo-2");
  EXPECT_EQ(verified->history(1).note(), "reply from the registered address");
  // Only once.
  EXPECT_EQ(Verify(opened.request_id()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(RequestDeskTest, ExtensionsCountFromReceiptAndStopAtTwoMonths) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  absl::StatusOr<consent::v1::DataSubjectRequest> once =
      Extend(opened.request_id(), 1);
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(Due(*once), Utc(2026, 3, 31));
  EXPECT_THAT(once->history(1).note(), HasSubstr("records in three systems"));
  absl::StatusOr<consent::v1::DataSubjectRequest> twice =
      Extend(opened.request_id(), 1);
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(Due(*twice), Utc(2026, 4, 30));
  absl::StatusOr<consent::v1::DataSubjectRequest> third =
      Extend(opened.request_id(), 1);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(third.status().message(), HasSubstr("at most 2 months"));
}

TEST_F(RequestDeskTest, AnExtensionNeedsAReasonAndAtMostTwoMonths) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  EXPECT_EQ(Extend(opened.request_id(), 3).status().code(),
            absl::StatusCode::kInvalidArgument);
  consent::v1::ExtendRequestRequest no_reason;
  no_reason.set_request_id(opened.request_id());
  no_reason.set_months(1);
  EXPECT_THAT(desk().Extend(kOfficer1, no_reason).status().message(),
              HasSubstr("reason is required"));
}

TEST_F(RequestDeskTest, AKeyOpensOneRequestHoweverOftenItIsSent) {
  consent::v1::OpenRequestRequest request =
      OpenRequest(consent::v1::REQUEST_TYPE_ERASURE);
  request.set_idempotency_key("open-7f3a");
  absl::StatusOr<consent::v1::DataSubjectRequest> first =
      desk().Open(kOfficer1, request);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<consent::v1::DataSubjectRequest> again =
      desk().Open(kOfficer1, request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->request_id(), first->request_id());
  EXPECT_EQ(again->history_size(), 1);
  EXPECT_EQ(again->history(0).idempotency_key(), "request.opened open-7f3a");
  EXPECT_EQ(*desk().Count(consent::v1::REQUEST_STATE_RECEIVED), 1);

  // Another principal's key is its own, even when spelled the same.
  absl::StatusOr<consent::v1::DataSubjectRequest> other =
      desk().Open(kOfficer2, request);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->request_id(), first->request_id());

  // The key with another request is refused, and opens nothing.
  consent::v1::OpenRequestRequest different =
      OpenRequest(consent::v1::REQUEST_TYPE_ACCESS);
  different.set_idempotency_key("open-7f3a");
  absl::StatusOr<consent::v1::DataSubjectRequest> reused =
      desk().Open(kOfficer1, different);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reused.status().message(), HasSubstr("opened another request"));
  EXPECT_EQ(*desk().Count(consent::v1::REQUEST_STATE_RECEIVED), 2);

  request.set_idempotency_key("has space");
  EXPECT_EQ(desk().Open(kOfficer1, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestDeskTest, AStepRetriedWithItsKeyIsTakenOnce) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  consent::v1::ExtendRequestRequest extend;
  extend.set_request_id(opened.request_id());
  extend.set_months(1);
  extend.set_reason("records in three systems");
  extend.set_idempotency_key("extend-1");
  ASSERT_TRUE(desk().Extend(kOfficer1, extend).ok());
  absl::StatusOr<consent::v1::DataSubjectRequest> retried =
      desk().Extend(kOfficer1, extend);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Due(*retried), Utc(2026, 3, 31)) << "one month, not two";
  EXPECT_EQ(retried->history_size(), 2);

  // The same key from another officer is a step of its own.
  ASSERT_TRUE(desk().Extend(kOfficer2, extend).ok());
  EXPECT_EQ(Due(*desk().Get(opened.request_id())), Utc(2026, 4, 30));

  consent::v1::VerifyIdentityRequest verify;
  verify.set_request_id(opened.request_id());
  verify.set_method("reply from the registered address");
  verify.set_idempotency_key("verify-1");
  ASSERT_TRUE(desk().VerifyIdentity(kOfficer1, verify).ok());
  absl::StatusOr<consent::v1::DataSubjectRequest> verified_again =
      desk().VerifyIdentity(kOfficer1, verify);
  ASSERT_TRUE(verified_again.ok()) << verified_again.status();
  EXPECT_EQ(verified_again->state(),
            consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);

  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(opened.request_id());
  // A key another step was taken with does not pass for a completion: the
  // erasure is carried out (by the second officer, four eyes).
  complete.set_idempotency_key("verify-1");
  EXPECT_EQ(desk().Complete(kOfficer1, complete).status().code(),
            absl::StatusCode::kPermissionDenied);
  complete.set_idempotency_key("complete-1");
  ASSERT_TRUE(desk().Complete(kOfficer2, complete).ok());
  absl::StatusOr<consent::v1::DataSubjectRequest> completed_again =
      desk().Complete(kOfficer2, complete);
  ASSERT_TRUE(completed_again.ok()) << completed_again.status();
  EXPECT_EQ(completed_again->state(), consent::v1::REQUEST_STATE_COMPLETED);
  const int steps = completed_again->history_size();
  // Without the key, the step is refused: it was taken.
  complete.clear_idempotency_key();
  EXPECT_EQ(desk().Complete(kOfficer2, complete).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(desk().Get(opened.request_id())->history_size(), steps);
}

TEST_F(RequestDeskTest, ARejectedRequestIsClosed) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  consent::v1::RejectRequestRequest reject;
  reject.set_request_id(opened.request_id());
  reject.set_reason("identity could not be verified");
  absl::StatusOr<consent::v1::DataSubjectRequest> rejected =
      desk().Reject(kOfficer1, reject);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->state(), consent::v1::REQUEST_STATE_REJECTED);
  EXPECT_EQ(Verify(opened.request_id()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Extend(opened.request_id(), 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(desk().Reject(kOfficer1, reject).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(RequestDeskTest, BadRequestsAreRefusedAndNothingIsKept) {
  consent::v1::OpenRequestRequest no_type =
      OpenRequest(consent::v1::REQUEST_TYPE_UNSPECIFIED);
  consent::v1::OpenRequestRequest bad_identifier =
      OpenRequest(consent::v1::REQUEST_TYPE_ACCESS);
  bad_identifier.add_identifiers()->set_email("nope");
  consent::v1::OpenRequestRequest rectify_without_replacement =
      OpenRequest(consent::v1::REQUEST_TYPE_RECTIFICATION);
  consent::v1::OpenRequestRequest future =
      OpenRequest(consent::v1::REQUEST_TYPE_ACCESS);
  *future.mutable_received_at() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(now_ + absl::Hours(2)));
  for (const auto& request :
       {no_type, bad_identifier, rectify_without_replacement, future}) {
    EXPECT_EQ(desk().Open(kOfficer1, request).status().code(),
              absl::StatusCode::kInvalidArgument)
        << request.ShortDebugString();
  }
  EXPECT_THAT(desk().Open(kOfficer1, bad_identifier).status().message(),
              HasSubstr("identifiers[1]"));
  EXPECT_TRUE(desk().List({})->requests().empty());
  EXPECT_EQ(Verify("dsr-none").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RequestDeskTest, ARectificationKeepsItsReplacement) {
  consent::v1::OpenRequestRequest request =
      OpenRequest(consent::v1::REQUEST_TYPE_RECTIFICATION);
  request.mutable_replacement()->set_phone("040 111 222");
  absl::StatusOr<consent::v1::DataSubjectRequest> opened =
      desk().Open(kOfficer1, request);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->replacement().value(), "+38640111222");
}

TEST_F(RequestDeskTest, ListingIsByDueDateWithOverdueOnRequest) {
  // now_ is 23 November 2026.
  consent::v1::DataSubjectRequest late =
      OpenOrDie(consent::v1::REQUEST_TYPE_ACCESS, Utc(2026, 9, 1));
  consent::v1::DataSubjectRequest soon =
      OpenOrDie(consent::v1::REQUEST_TYPE_ERASURE, Utc(2026, 11, 20));
  consent::v1::DataSubjectRequest later =
      OpenOrDie(consent::v1::REQUEST_TYPE_OBJECTION, Utc(2026, 11, 22));
  absl::StatusOr<consent::v1::ListRequestsResponse> all = desk().List({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->requests_size(), 3);
  EXPECT_EQ(all->requests(0).request_id(), late.request_id());
  EXPECT_EQ(all->requests(1).request_id(), soon.request_id());
  EXPECT_EQ(all->requests(2).request_id(), later.request_id());

  consent::v1::ListRequestsRequest overdue;
  overdue.set_overdue_only(true);
  absl::StatusOr<consent::v1::ListRequestsResponse> due = desk().List(overdue);
  ASSERT_EQ(due->requests_size(), 1);
  EXPECT_EQ(due->requests(0).request_id(), late.request_id());

  consent::v1::ListRequestsRequest erasures;
  erasures.add_states(consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  ASSERT_TRUE(Verify(soon.request_id()).ok());
  EXPECT_EQ(desk().List(erasures)->requests_size(), 1);
}

TEST_F(RequestDeskTest, PagesFollowOneAnother) {
  for (int day = 1; day <= 5; ++day) {
    OpenOrDie(consent::v1::REQUEST_TYPE_ACCESS, Utc(2026, 10, day));
  }
  consent::v1::ListRequestsRequest page;
  page.set_page_size(2);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    absl::StatusOr<consent::v1::ListRequestsResponse> response =
        desk().List(page);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const auto& request : response->requests()) {
      seen.push_back(request.request_id());
    }
    if (response->next_page_token().empty()) break;
    page.set_page_token(response->next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  page.set_page_token("nonsense");
  EXPECT_EQ(desk().List(page).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestDeskTest, CompletingAnObjectionStopsEveryContact) {
  consent::v1::DataSubjectRequest opened =
      OpenOrDie(consent::v1::REQUEST_TYPE_OBJECTION, now_ - absl::Hours(1));
  ASSERT_TRUE(Verify(opened.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(opened.request_id());
  absl::StatusOr<consent::v1::DataSubjectRequest> done =
      desk().Complete(kOfficer2, complete);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_THAT(done->history().rbegin()->note(), HasSubstr("global objection"));
  consent::v1::Decision decision =
      Decide(CheckOf(Phone("+38631123456"), "customer-care", "email"));
  EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(decision.detail(), "global");
  EXPECT_EQ(desk().Complete(kOfficer2, complete).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "a completed request is closed";
}

TEST_F(RequestDeskTest, CompletingARestrictionDeniesRestricted) {
  consent::v1::DataSubjectRequest opened =
      OpenOrDie(consent::v1::REQUEST_TYPE_RESTRICTION, now_ - absl::Hours(1));
  ASSERT_TRUE(Verify(opened.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(opened.request_id());
  ASSERT_TRUE(desk().Complete(kOfficer2, complete).ok());
  EXPECT_EQ(
      Decide(CheckOf(Phone("031 123 456"), "customer-care", "email")).reason(),
      consent::v1::DECISION_REASON_RESTRICTED);
}

TEST_F(RequestDeskTest, ALiftedRestrictionStopsDenying) {
  consent::v1::DataSubjectRequest opened =
      OpenOrDie(consent::v1::REQUEST_TYPE_RESTRICTION, now_ - absl::Hours(1));
  consent::v1::LiftRestrictionRequest lift;
  lift.set_request_id(opened.request_id());
  lift.set_reason("accuracy verified; the person was told on 2026-11-24");
  EXPECT_EQ(desk().LiftRestriction(kOfficer1, lift).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "nothing to lift before the restriction is in force";
  ASSERT_TRUE(Verify(opened.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(opened.request_id());
  ASSERT_TRUE(desk().Complete(kOfficer2, complete).ok());
  now_ += absl::Hours(24);

  consent::v1::LiftRestrictionRequest no_reason = lift;
  no_reason.clear_reason();
  EXPECT_EQ(desk().LiftRestriction(kOfficer1, no_reason).status().code(),
            absl::StatusCode::kInvalidArgument);
  const access::Caller officer3{"dpo-3", {access::Role::kPrivacyOfficer}};
  absl::StatusOr<consent::v1::DataSubjectRequest> lifted =
      desk().LiftRestriction(officer3, lift);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->has_restriction_lifted_at());
  EXPECT_EQ(lifted->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_EQ(lifted->history().rbegin()->officer(), "dpo-3");
  EXPECT_THAT(lifted->history().rbegin()->note(),
              HasSubstr("restriction lifted: accuracy verified"));
  EXPECT_EQ(
      Decide(CheckOf(Phone("031 123 456"), "customer-care", "email")).reason(),
      consent::v1::DECISION_REASON_LAWFUL_BASIS);
  EXPECT_EQ(desk().LiftRestriction(kOfficer1, lift).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "lifted once";
}

TEST_F(RequestDeskTest, OnlyARestrictionHasARestrictionToLift) {
  consent::v1::DataSubjectRequest objection =
      OpenOrDie(consent::v1::REQUEST_TYPE_OBJECTION, now_ - absl::Hours(1));
  ASSERT_TRUE(Verify(objection.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(objection.request_id());
  ASSERT_TRUE(desk().Complete(kOfficer2, complete).ok());
  consent::v1::LiftRestrictionRequest lift;
  lift.set_request_id(objection.request_id());
  lift.set_reason("asked to");
  EXPECT_EQ(desk().LiftRestriction(kOfficer1, lift).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      Decide(CheckOf(Phone("031 123 456"), "customer-care", "email")).reason(),
      consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(RequestDeskTest, RequestsSurviveARestart) {
  consent::v1::DataSubjectRequest opened = OpenOrDie();
  ASSERT_TRUE(Verify(opened.request_id()).ok());
  Reopen();
  absl::StatusOr<consent::v1::DataSubjectRequest> kept =
      desk().Get(opened.request_id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state(), consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  EXPECT_EQ(kept->history_size(), 2);
}

TEST_F(RequestDeskTest, OpenRequestsAreBounded) {
  max_open_requests_ = 3;
  Reopen();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(OpenOrDie().request_id());
  absl::Status full =
      desk()
          .Open(kOfficer1, OpenRequest(consent::v1::REQUEST_TYPE_ACCESS))
          .status();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("3 requests are open"));
  // A closed request makes room.
  consent::v1::RejectRequestRequest reject;
  reject.set_request_id(ids[0]);
  reject.set_reason("duplicate");
  ASSERT_TRUE(desk().Reject(kOfficer1, reject).ok());
  EXPECT_TRUE(
      desk()
          .Open(kOfficer1, OpenRequest(consent::v1::REQUEST_TYPE_ACCESS))
          .ok());
}

}  // namespace
}  // namespace consentd::core
