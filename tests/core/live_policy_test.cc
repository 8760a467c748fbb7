#include "service/core/live_policy.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"

namespace consentd::core {
namespace {

policy::PolicyModel Versioned(const std::string& version) {
  return *policy::PolicyModel::FromTextProto(absl::StrReplaceAll(
      policy::DefaultPolicyText(), {{"default-2026-11", version}}));
}

absl::Status Recorded(const policy::PolicyModel&, const policy::PolicyModel&) {
  return absl::OkStatus();
}
constexpr auto kRecorded = &Recorded;

TEST(LivePolicyTest, ASnapshotOutlivesItsReplacement) {
  LivePolicy live(Versioned("v1"));
  PolicySnapshot held = live.Current();
  absl::StatusOr<PolicySnapshot> replaced =
      live.Replace(Versioned("v2"), kRecorded);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ((*replaced)->version(), "v1");
  EXPECT_EQ(live.Current()->version(), "v2");
  // What an operation took before the replacement is still whole.
  EXPECT_EQ(held->version(), "v1");
  EXPECT_TRUE(held->FindPurpose("marketing").has_value());
}

TEST(LivePolicyTest, TheSamePolicyReplacesNothing) {
  LivePolicy live(Versioned("v1"));
  const policy::PolicyModel* before = live.Current();
  absl::StatusOr<PolicySnapshot> replaced =
      live.Replace(Versioned("v1"), kRecorded);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(*replaced, nullptr);
  EXPECT_EQ(live.Current(), before);
}

TEST(LivePolicyTest, ARefusedPolicyLeavesTheOneInForce) {
  LivePolicy live(Versioned("v1"));
  policy::PolicyModel other_region =
      *policy::PolicyModel::FromTextProto(absl::StrReplaceAll(
          policy::DefaultPolicyText(),
          {{"default-2026-11", "v2"},
           {"default_region: \"SI\"", "default_region: \"AT\""}}));
  EXPECT_EQ(live.Replace(std::move(other_region), kRecorded).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(live.Current()->version(), "v1");
}

TEST(LivePolicyTest, NothingIsReplacedUnlessRecorded) {
  LivePolicy live(Versioned("v1"));
  std::string recorded;
  absl::StatusOr<PolicySnapshot> refused =
      live.Replace(Versioned("v2"), [&](const policy::PolicyModel& in_force,
                                        const policy::PolicyModel& next) {
        recorded = in_force.version() + ">" + next.version();
        return absl::UnavailableError("audit trail unavailable");
      });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(recorded, "v1>v2");
  EXPECT_EQ(live.Current()->version(), "v1");
}

TEST(LivePolicyTest, AVersionNamesOneSetOfRulesForGood) {
  LivePolicy live(Versioned("v1"));
  ASSERT_TRUE(live.Replace(Versioned("v2"), kRecorded).ok());
  // v1 again, but with other rules: refused although v2 is in force.
  policy::PolicyModel other_v1 =
      *policy::PolicyModel::FromTextProto(absl::StrReplaceAll(
          policy::DefaultPolicyText(),
          {{"default-2026-11", "v1"},
           {"consent_expiry_days: 730", "consent_expiry_days: 30"}}));
  absl::StatusOr<PolicySnapshot> refused =
      live.Replace(std::move(other_v1), kRecorded);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("named other rules before"));
  // The very rules of v1 may come back.
  EXPECT_TRUE(live.Replace(Versioned("v1"), kRecorded).ok());
  EXPECT_EQ(live.Current()->version(), "v1");
}

}  // namespace
}  // namespace consentd::core
