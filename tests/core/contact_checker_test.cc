#include "service/core/contact_checker.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "service/core/input_validation.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class ContactCheckerTest : public CoreFixture {
 protected:
  void ObjectTo(const consent::v1::Identifier& identifier) {
    ASSERT_TRUE(
        core_->ledger().RecordObjection(kDialer, Objection(identifier)).ok());
  }

  consent::v1::CheckBatchRequest Batch(int contacts) {
    consent::v1::CheckBatchRequest request;
    request.set_purpose("customer-care");
    request.set_channel("email");
    for (int i = 0; i < contacts; ++i) {
      consent::v1::BatchContact* contact = request.add_contacts();
      contact->set_row_id(absl::StrCat("row-", i));
      contact->add_identifiers()->set_email(
          absl::StrCat("c", i, "@example.si"));
    }
    return request;
  }
};

TEST_F(ContactCheckerTest, EveryWritingOfANumberFindsTheSameRecord) {
  ObjectTo(Phone("+386 31 123 456"));
  for (const char* written :
       {"031 123 456", "+38631123456", "00386 31 123 456", "(031) 123-456"}) {
    EXPECT_EQ(Decide(CheckOf(Phone(written))).reason(),
              consent::v1::DECISION_REASON_OBJECTION)
        << written;
  }
}

TEST_F(ContactCheckerTest, AnInvalidIdentifierIsADenyNotAnError) {
  consent::v1::CheckRequest request = CheckOf(Phone("12"), "customer-care");
  absl::StatusOr<consent::v1::CheckResponse> response = Checked(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->decision().verdict(), consent::v1::VERDICT_DENY);
  EXPECT_EQ(response->decision().reason(),
            consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
  EXPECT_TRUE(response->decision().identifiers(0).identifier().value().empty());
}

TEST_F(ContactCheckerTest, TheDecisionNamesPolicyIdentifierAndFact) {
  ObjectTo(Phone("+38631123456"));
  consent::v1::CheckRequest request = CheckOf(Email("ana@example.si"));
  *request.add_identifiers() = Phone("031 123 456");
  consent::v1::Decision decision = Decide(request);
  EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(decision.detail(), "global");
  EXPECT_EQ(decision.deciding_identifier(), 1);
  EXPECT_EQ(decision.policy_version(), core_->policy()->version());
  ASSERT_EQ(decision.identifiers_size(), 2);
  EXPECT_EQ(decision.identifiers(0).reason(),
            consent::v1::DECISION_REASON_NO_CONSENT);
  EXPECT_EQ(decision.identifiers(1).identifier().value(), "+38631123456");
  EXPECT_EQ(decision.identifiers(1).deciding_fact_id(), 1);
}

TEST_F(ContactCheckerTest, UnknownOrMissingPurposeOrChannelIsAnError) {
  consent::v1::CheckRequest unknown =
      CheckOf(Phone("+38631123456"), "x", "phone");
  EXPECT_EQ(Checked(unknown).status().code(),
            absl::StatusCode::kInvalidArgument);
  consent::v1::CheckRequest missing =
      CheckOf(Phone("+38631123456"), "marketing", "");
  absl::StatusOr<consent::v1::CheckResponse> response = Checked(missing);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("channel is required"));
}

TEST_F(ContactCheckerTest, AMalformedRegionIsAnError) {
  consent::v1::CheckRequest request = CheckOf(Phone("031 123 456"));
  request.set_default_region("slovenia");
  EXPECT_EQ(Checked(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContactCheckerTest, NoIdentifiersOrTooManyIsAnError) {
  consent::v1::CheckRequest none = CheckOf(Phone("+38631123456"));
  none.clear_identifiers();
  EXPECT_EQ(Checked(none).status().code(), absl::StatusCode::kInvalidArgument);
  consent::v1::CheckRequest many = CheckOf(Phone("+38631123456"));
  for (int i = 0; i < kMaxIdentifiersPerContact; ++i) {
    *many.add_identifiers() = Phone("+38631123456");
  }
  EXPECT_EQ(Checked(many).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ContactCheckerTest, AtIsBoundedToThePolicysWindowAroundNow) {
  consent::v1::CheckRequest call = CheckOf(Email("ana@example.si"));
  auto at = [&](absl::Duration from_now) {
    *call.mutable_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(now_ + from_now));
    return Checked(call).status();
  };
  EXPECT_TRUE(at(-absl::Minutes(5)).ok());
  EXPECT_TRUE(at(absl::Hours(31 * 24)).ok());
  absl::Status before = at(-absl::Minutes(5) - absl::Seconds(1));
  EXPECT_EQ(before.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(before.message(), HasSubstr("at must lie between"));
  EXPECT_EQ(at(absl::Hours(31 * 24) + absl::Seconds(1)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContactCheckerTest, ATimeBeforeAnObjectionCannotBeAskedFor) {
  // A day-old `at` would answer from before the objection.
  consent::v1::Identifier ana = Phone("+38631123456");
  ASSERT_TRUE(core_->ledger().RecordObjection(kDialer, Objection(ana)).ok());
  consent::v1::CheckRequest call = CheckOf(ana, "customer-care");
  *call.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ - absl::Hours(24)));
  EXPECT_EQ(Checked(call).status().code(), absl::StatusCode::kInvalidArgument);
  // Inside the window a past `at` only absorbs clock skew: the objection
  // recorded a second ago still denies.
  now_ += absl::Seconds(1);
  *call.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ - absl::Seconds(2)));
  EXPECT_EQ(Decide(call).reason(), consent::v1::DECISION_REASON_OBJECTION);
  call.clear_at();
  EXPECT_EQ(Decide(call).reason(), consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(ContactCheckerTest, CallsOutsideCallingHoursAreDeniedButEmailIsNot) {
  consent::v1::CheckRequest call =
      CheckOf(Phone("+38631123456"), "customer-care");
  now_ -= absl::Hours(24);  // Sunday morning
  EXPECT_EQ(Decide(call).reason(),
            consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS);
  call.set_channel("email");
  EXPECT_EQ(Decide(call).reason(), consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST_F(ContactCheckerTest, ABatchDecidesEveryContactInOrder) {
  ObjectTo(Email("c1@example.si"));
  absl::StatusOr<consent::v1::CheckBatchResponse> response =
      BatchChecked(Batch(3));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->decisions_size(), 3);
  EXPECT_EQ(response->decisions(0).row_id(), "row-0");
  EXPECT_EQ(response->decisions(0).decision().verdict(),
            consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(response->decisions(1).decision().reason(),
            consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(response->decisions(2).decision().verdict(),
            consent::v1::VERDICT_ALLOW);
  // Each contact's verdict only, unless the caller asks for more.
  EXPECT_EQ(response->decisions(1).decision().identifiers_size(), 0);
  // The policy is named once for the whole batch.
  EXPECT_EQ(response->policy_version(), core_->policy()->version());
  for (const consent::v1::BatchDecision& decision : response->decisions()) {
    EXPECT_EQ(decision.decision().policy_version(), "");
  }
}

TEST_F(ContactCheckerTest, ABatchExplainsEachIdentifierOnRequest) {
  ObjectTo(Email("c1@example.si"));
  consent::v1::CheckBatchRequest request = Batch(2);
  *request.mutable_contacts(1)->add_identifiers() = Phone("12");
  request.set_include_identifiers(true);
  absl::StatusOr<consent::v1::CheckBatchResponse> batch = BatchChecked(request);
  ASSERT_TRUE(batch.ok()) << batch.status();
  consent::v1::CheckRequest alone =
      CheckOf(Email("c1@example.si"), "customer-care", "email");
  *alone.add_identifiers() = Phone("12");
  consent::v1::Decision expected = Decide(alone);
  // A batch names the policy once, in the response.
  EXPECT_EQ(batch->policy_version(), expected.policy_version());
  expected.clear_policy_version();
  const consent::v1::Decision& got = batch->decisions(1).decision();
  ASSERT_EQ(got.identifiers_size(), 2);
  EXPECT_EQ(got.SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(got.identifiers(0).identifier().digest().size(), 64u);
}

TEST_F(ContactCheckerTest, ABatchIsBounded) {
  EXPECT_EQ(BatchChecked(Batch(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BatchChecked(Batch(kMaxBatchContacts + 1)).status().code(),
            absl::StatusCode::kInvalidArgument);

  consent::v1::CheckBatchRequest wide = Batch(kMaxBatchIdentifiers / 4 + 1);
  for (consent::v1::BatchContact& contact : *wide.mutable_contacts()) {
    for (int i = 0; i < 3; ++i) *contact.add_identifiers() = Email("x@y.si");
  }
  absl::StatusOr<consent::v1::CheckBatchResponse> response = BatchChecked(wide);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("identifiers"));

  consent::v1::CheckBatchRequest long_row = Batch(1);
  long_row.mutable_contacts(0)->set_row_id(
      std::string(kMaxRowIdLength + 1, 'r'));
  EXPECT_EQ(BatchChecked(long_row).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::core
