// Replacing the policy while consentd serves (SIGHUP): the next check is
// decided by the new version and names it, a scrub under way keeps the
// version it began with, the replacement is audited, and a policy that
// does not validate or would change what names stored records leaves the
// one in force untouched.
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "service/core/audit_entries.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kShippedVersion[] = "default-2026-11";

// The shipped policy under `version`, with calls allowed on Sundays too.
std::string WithSundayCalls(const std::string& version) {
  return absl::StrReplaceAll(
      policy::DefaultPolicyText(),
      {{kShippedVersion, version},
       {"windows { days: [WEEKDAY_SATURDAY] start_minute: 540 end_minute: "
        "840 }",
        "windows { days: [WEEKDAY_SATURDAY] start_minute: 540 end_minute: "
        "840 }\n  windows { days: [WEEKDAY_SUNDAY] start_minute: 600 "
        "end_minute: 960 }"}});
}

class PolicyReplacementTest : public CoreFixture {
 protected:
  PolicyReplacementTest() { now_ = MondayMorning() + absl::Hours(24 * 6 + 2); }

  std::vector<consent::v1::AuditEntry> Replacements() {
    absl::StatusOr<std::vector<consent::v1::AuditEntry>> entries =
        ReadAuditEntries(core_->audit_trail(), 1, kAuditEntriesPerPage);
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<consent::v1::AuditEntry> replacements;
    for (const consent::v1::AuditEntry& entry : *entries) {
      if (entry.action() == "policy.replaced") replacements.push_back(entry);
    }
    return replacements;
  }

  consent::v1::Decision SundayCall() {
    return Decide(CheckOf(Phone("+38640123456"), "customer-care", "phone"));
  }
};

TEST_F(PolicyReplacementTest, TheNextCheckIsDecidedByTheNewVersion) {
  ASSERT_EQ(core_->policy()->version(), kShippedVersion);
  consent::v1::Decision before = SundayCall();
  EXPECT_EQ(before.reason(),
            consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS);
  EXPECT_EQ(before.policy_version(), kShippedVersion);

  absl::StatusOr<std::string> version =
      core_->ReplacePolicy(kAdmin, WithSundayCalls("sundays-1"));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, "sundays-1");

  consent::v1::Decision after = SundayCall();
  EXPECT_EQ(after.verdict(), consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(after.policy_version(), "sundays-1");
  // Writes from now on are recorded under it too.
  absl::StatusOr<consent::v1::RecordObjectionResponse> objection =
      core_->ledger().RecordObjection(kDialer,
                                      Objection(Phone("+38640999999")));
  ASSERT_TRUE(objection.ok()) << objection.status();
  EXPECT_EQ(objection->policy_version(), "sundays-1");

  std::vector<consent::v1::AuditEntry> audited = Replacements();
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].actor(), kAdmin.principal);
  EXPECT_THAT(
      audited[0].object_ids(),
      ElementsAre(absl::StrCat("policy:", kShippedVersion), "policy:sundays-1",
                  ::testing::StartsWith("policy_sha256:")));
}

TEST_F(PolicyReplacementTest, WhatWasRecordedBeforeStillDeniesAfter) {
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Phone("+38640111111"),
                                                      "customer-care"))
                  .ok());
  ImportList("si-dnc", "2026-12", "listed@example.si");
  ASSERT_TRUE(core_->ReplacePolicy(kAdmin, WithSundayCalls("sundays-1")).ok());

  consent::v1::Decision objected =
      Decide(CheckOf(Phone("+38640111111"), "customer-care", "phone"));
  EXPECT_EQ(objected.reason(), consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(objected.policy_version(), "sundays-1");
  consent::v1::Decision listed =
      Decide(CheckOf(Email("listed@example.si"), "customer-care", "email"));
  EXPECT_EQ(listed.reason(), consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  // And after a restart under the new policy, as before it.
  const std::string sundays = WithSundayCalls("sundays-1");
  core_.reset();
  CoreOptions options = Options();
  options.policy_text = sundays;
  absl::StatusOr<std::unique_ptr<ConsentCore>> reopened =
      ConsentCore::Open(std::move(options));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  core_ = *std::move(reopened);
  EXPECT_EQ(
      Decide(CheckOf(Phone("+38640111111"), "customer-care", "phone")).reason(),
      consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(PolicyReplacementTest, AStoreKeepsTheIdentifierRulesItWasMadeUnder) {
  core_.reset();
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"strip_plus_tag: false", "strip_plus_tag: true"},
           {"default_region: \"SI\"", "default_region: \"HR\""}}) {
    CoreOptions options = Options();
    options.policy_text =
        absl::StrReplaceAll(policy::DefaultPolicyText(), {{from, to}});
    absl::StatusOr<std::unique_ptr<ConsentCore>> refused =
        ConsentCore::Open(std::move(options));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
        << to;
    EXPECT_THAT(refused.status().message(), HasSubstr("were digested under"))
        << to;
  }
  Reopen();  // the store's own rules still open it
}

TEST_F(PolicyReplacementTest, AScrubUnderWayKeepsTheVersionItBeganWith) {
  consent::v1::ScrubHeader header;
  header.set_list_name("sunday-list");
  header.set_purpose("customer-care");
  header.set_channel("phone");
  header.set_default_region("SI");
  absl::StatusOr<std::unique_ptr<Scrubber::Session>> session =
      core_->scrubber().Begin(header, kCampaign);
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE(core_->ReplacePolicy(kAdmin, WithSundayCalls("sundays-1")).ok());

  consent::v1::ScrubRows rows;
  consent::v1::ScrubRow* row = rows.add_rows();
  row->set_row_id("1");
  *row->add_identifiers() = Phone("+38640123456");
  consent::v1::ScrubRowResults results;
  ASSERT_TRUE((*session)->Decide(rows, &results).ok());
  EXPECT_EQ(results.rows(0).reason(),
            consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS);
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = (*session)->Finish();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->policy_version(), kShippedVersion);
  // A scrub begun now is decided by the new one.
  absl::StatusOr<std::unique_ptr<Scrubber::Session>> next =
      core_->scrubber().Begin(header, kCampaign);
  ASSERT_TRUE(next.ok()) << next.status();
  consent::v1::ScrubRowResults next_results;
  ASSERT_TRUE((*next)->Decide(rows, &next_results).ok());
  EXPECT_EQ(next_results.rows(0).verdict(), consent::v1::VERDICT_ALLOW);
}

TEST_F(PolicyReplacementTest, ARefusedReplacementKeepsThePolicyInForce) {
  const struct {
    std::string text;
    absl::StatusCode code;
    const char* says;
  } kRefused[] = {
      {"version: \"broken\"\npurposes { name: \"x\"\n",
       absl::StatusCode::kInvalidArgument, "line"},
      {absl::StrReplaceAll(WithSundayCalls("renamed"),
                           {{"name: \"surveys\"", "name: \"polls\""}}),
       absl::StatusCode::kFailedPrecondition, "restart consentd"},
      {absl::StrReplaceAll(
           WithSundayCalls("region"),
           {{"default_region: \"SI\"", "default_region: \"HR\""}}),
       absl::StatusCode::kFailedPrecondition, "default region"},
      {WithSundayCalls(kShippedVersion), absl::StatusCode::kInvalidArgument,
       "give it a version of its own"},
  };
  for (const auto& refused : kRefused) {
    absl::StatusOr<std::string> version =
        core_->ReplacePolicy(kAdmin, refused.text);
    EXPECT_EQ(version.status().code(), refused.code) << version.status();
    EXPECT_THAT(version.status().message(), HasSubstr(refused.says));
    EXPECT_EQ(core_->policy()->version(), kShippedVersion);
    EXPECT_EQ(SundayCall().reason(),
              consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS);
  }
  EXPECT_TRUE(Replacements().empty());
}

TEST_F(PolicyReplacementTest, TheSamePolicyAgainChangesNothing) {
  absl::StatusOr<std::string> version =
      core_->ReplacePolicy(kAdmin, std::string(policy::DefaultPolicyText()));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, kShippedVersion);
  EXPECT_TRUE(Replacements().empty());
}

}  // namespace
}  // namespace consentd::core
