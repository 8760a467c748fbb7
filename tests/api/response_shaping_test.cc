#include "service/api/response_shaping.h"

#include "gtest/gtest.h"

namespace consentd::api {
namespace {

consent::v1::Decision DecisionWithDetail() {
  consent::v1::Decision decision;
  decision.set_verdict(consent::v1::VERDICT_DENY);
  decision.set_reason(consent::v1::DECISION_REASON_OBJECTION);
  decision.set_detail("purpose marketing");
  consent::v1::IdentifierDecision* one = decision.add_identifiers();
  one->set_verdict(consent::v1::VERDICT_DENY);
  one->set_reason(consent::v1::DECISION_REASON_OBJECTION);
  one->mutable_identifier()->set_value("+38631123456");
  one->mutable_identifier()->set_digest(std::string(64, 'a'));
  one->set_deciding_fact_id(42);
  return decision;
}

TEST(ResponseShapingTest, ADialerGetsVerdictReasonAndDetailOnly) {
  for (access::Role role : {access::Role::kDialer, access::Role::kCampaign}) {
    consent::v1::Decision decision = DecisionWithDetail();
    ShapeDecision(access::Caller{"d", {role}}, &decision);
    EXPECT_EQ(decision.verdict(), consent::v1::VERDICT_DENY);
    EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_OBJECTION);
    EXPECT_EQ(decision.detail(), "purpose marketing");
    ASSERT_EQ(decision.identifiers_size(), 1);
    EXPECT_EQ(decision.identifiers(0).identifier().value(), "+38631123456");
    EXPECT_EQ(decision.identifiers(0).identifier().digest(), "");
    EXPECT_EQ(decision.identifiers(0).deciding_fact_id(), 0);
  }
}

TEST(ResponseShapingTest, RolesThatWorkWithRecordsSeeEverything) {
  for (access::Role role :
       {access::Role::kCollector, access::Role::kPrivacyOfficer,
        access::Role::kAuditor, access::Role::kAdmin}) {
    consent::v1::Decision decision = DecisionWithDetail();
    ShapeDecision(access::Caller{"o", {access::Role::kDialer, role}},
                  &decision);
    EXPECT_EQ(decision.identifiers(0).deciding_fact_id(), 42);
    EXPECT_EQ(decision.identifiers(0).identifier().digest().size(), 64u);
  }
}

TEST(ResponseShapingTest, ADialersWriteAnswerHasNoFactIds) {
  consent::v1::RecordObjectionResponse response;
  response.add_fact_ids(7);
  response.set_policy_version("p1");
  ShapeWrite(access::Caller{"d", {access::Role::kDialer}}, &response);
  EXPECT_EQ(response.fact_ids_size(), 0);
  EXPECT_EQ(response.policy_version(), "p1");
  response.add_fact_ids(7);
  ShapeWrite(access::Caller{"c", {access::Role::kCollector}}, &response);
  EXPECT_EQ(response.fact_ids_size(), 1);
}

}  // namespace
}  // namespace consentd::api
