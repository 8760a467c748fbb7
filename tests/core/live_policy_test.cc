#include "service/core/live_policy.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"

namespace consentd::core {
namespace {

policy::PolicyModel Versioned(const std::string& version) {
  return *policy::PolicyModel::FromTextProto(absl::StrReplaceAll(
      policy::DefaultPolicyText(), {{"default-2026-11", version}}));
}

TEST(LivePolicyTest, ASnapshotOutlivesItsReplacement) {
  LivePolicy live(Versioned("v1"));
  PolicySnapshot held = live.Current();
  absl::StatusOr<PolicySnapshot> replaced = live.Replace(Versioned("v2"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ((*replaced)->version(), "v1");
  EXPECT_EQ(live.Current()->version(), "v2");
  // What an operation took before the replacement is still whole.
  EXPECT_EQ(held->version(), "v1");
  EXPECT_TRUE(held->FindPurpose("marketing").has_value());
}

TEST(LivePolicyTest, TheSamePolicyReplacesNothing) {
  LivePolicy live(Versioned("v1"));
  const policy::PolicyModel* before = live.Current().get();
  absl::StatusOr<PolicySnapshot> replaced = live.Replace(Versioned("v1"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(*replaced, nullptr);
  EXPECT_EQ(live.Current().get(), before);
}

TEST(LivePolicyTest, ARefusedPolicyLeavesTheOneInForce) {
  LivePolicy live(Versioned("v1"));
  policy::PolicyModel other_region =
      *policy::PolicyModel::FromTextProto(absl::StrReplaceAll(
          policy::DefaultPolicyText(),
          {{"default-2026-11", "v2"},
           {"default_region: \"SI\"", "default_region: \"AT\""}}));
  EXPECT_EQ(live.Replace(std::move(other_region)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(live.Current()->version(), "v1");
}

}  // namespace
}  // namespace consentd::core
