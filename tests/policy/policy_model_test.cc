#include "policy/policy_model.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"

namespace consentd::policy {
namespace {

using ::testing::HasSubstr;

constexpr char kMinimal[] = R"pb(
  version: "t1"
  purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
  channels { name: "phone" calling_hours_apply: true }
)pb";

absl::StatusOr<PolicyModel> Parse(const std::string& extra) {
  return PolicyModel::FromTextProto(std::string(kMinimal) + extra);
}

absl::Time Ljubljana(int y, int m, int d, int hh, int mm) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Ljubljana", &zone));
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), zone);
}

TEST(PolicyModelTest, ShippedDefaultPolicyLoads) {
  absl::StatusOr<PolicyModel> policy =
      PolicyModel::FromTextProto(DefaultPolicyText());
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_FALSE(policy->version().empty());
  ASSERT_TRUE(policy->FindPurpose("marketing").has_value());
  EXPECT_EQ(policy->PurposeBasis(*policy->FindPurpose("marketing")),
            consent::v1::LAWFUL_BASIS_CONSENT);
  EXPECT_TRUE(policy->LiftsRefusal(
      consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN));
  EXPECT_FALSE(
      policy->LiftsRefusal(consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  EXPECT_FALSE(policy->LiftsRefusal(consent::v1::COLLECTION_METHOD_API));
}

TEST(PolicyModelTest, AssignsIdsInPolicyOrderFromOne) {
  absl::StatusOr<PolicyModel> policy =
      Parse(R"pb(purposes { name: "care" lawful_basis: LAWFUL_BASIS_CONTRACT }
                 channels { name: "email" })pb");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->FindPurpose("marketing"), 1);
  EXPECT_EQ(policy->FindPurpose("care"), 2);
  EXPECT_EQ(policy->FindChannel("email"), 2);
  EXPECT_EQ(policy->FindPurpose(""), std::nullopt);
  EXPECT_EQ(policy->FindPurpose("unknown"), std::nullopt);
  EXPECT_EQ(policy->PurposeName(2), "care");
  EXPECT_EQ(policy->PurposeName(kAnyScope), "");
  EXPECT_EQ(policy->channel_count(), 2);
}

TEST(PolicyModelTest, ConsentExpiryIsInfiniteWhenZero) {
  absl::StatusOr<PolicyModel> policy = Parse(
      R"pb(purposes {
             name: "short"
             lawful_basis: LAWFUL_BASIS_CONSENT
             consent_expiry_days: 30
           })pb");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->ConsentExpiry(1), absl::InfiniteDuration());
  EXPECT_EQ(policy->ConsentExpiry(2), absl::Hours(24 * 30));
}

TEST(PolicyModelTest, RejectsSyntaxErrorsWithTheirLine) {
  absl::StatusOr<PolicyModel> policy =
      PolicyModel::FromTextProto("version: \"x\"\npurposes { nme: 1 }");
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("line 2"));
}

TEST(PolicyModelTest, RejectsAPolicyWithoutVersion) {
  absl::StatusOr<PolicyModel> policy = PolicyModel::FromTextProto(
      R"pb(purposes { name: "m" lawful_basis: LAWFUL_BASIS_CONSENT }
           channels { name: "phone" })pb");
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("version"));
}

TEST(PolicyModelTest, RejectsDuplicatePurposes) {
  EXPECT_THAT(Parse(R"pb(purposes {
                           name: "marketing"
                           lawful_basis: LAWFUL_BASIS_CONSENT
                         })pb")
                  .status()
                  .message(),
              HasSubstr("duplicate purpose"));
}

TEST(PolicyModelTest, RejectsMalformedNames) {
  EXPECT_EQ(Parse(R"pb(channels { name: "Phone Calls" })pb").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PolicyModelTest, RejectsAPurposeWithoutLawfulBasis) {
  EXPECT_THAT(Parse(R"pb(purposes { name: "x" })pb").status().message(),
              HasSubstr("lawful_basis"));
}

TEST(PolicyModelTest, RejectsBulkImportAsARefusalLiftingMethod) {
  EXPECT_EQ(Parse("refusal_lifting_methods: COLLECTION_METHOD_BULK_IMPORT")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PolicyModelTest, RejectsAnUnknownTimeZone) {
  EXPECT_THAT(
      Parse(R"pb(calling_hours { region: "SI" time_zone: "Mars/Olympus" })pb")
          .status()
          .message(),
      HasSubstr("unknown time zone"));
}

TEST(PolicyModelTest, RejectsAnEmptyOrInvertedWindow) {
  EXPECT_EQ(Parse(R"pb(calling_hours {
                         region: "SI"
                         time_zone: "Europe/Ljubljana"
                         windows {
                           days: WEEKDAY_MONDAY
                           start_minute: 600
                           end_minute: 600
                         }
                       })pb")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse(R"pb(calling_hours {
                         region: "SI"
                         time_zone: "Europe/Ljubljana"
                         windows { start_minute: 0 end_minute: 60 }
                       })pb")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PolicyModelTest, CallingHoursFollowTheRegionsLocalTime) {
  absl::StatusOr<PolicyModel> policy =
      PolicyModel::FromTextProto(DefaultPolicyText());
  ASSERT_TRUE(policy.ok()) << policy.status();
  // Monday 2026-11-23: 08:00-20:00 in Ljubljana is allowed.
  EXPECT_TRUE(policy->WithinCallingHours("SI", Ljubljana(2026, 11, 23, 8, 0)));
  EXPECT_TRUE(
      policy->WithinCallingHours("SI", Ljubljana(2026, 11, 23, 19, 59)));
  EXPECT_FALSE(
      policy->WithinCallingHours("SI", Ljubljana(2026, 11, 23, 20, 0)));
  EXPECT_FALSE(
      policy->WithinCallingHours("SI", Ljubljana(2026, 11, 23, 7, 59)));
  // Sunday: never.
  EXPECT_FALSE(
      policy->WithinCallingHours("SI", Ljubljana(2026, 11, 22, 12, 0)));
  // GB has its own rule: 20:30 London (21:30 Ljubljana) on a Monday is fine.
  EXPECT_TRUE(
      policy->WithinCallingHours("GB", Ljubljana(2026, 11, 23, 21, 30)));
}

TEST(PolicyModelTest, WithoutAnyRuleEveryHourIsACallingHour) {
  absl::StatusOr<PolicyModel> policy = Parse("");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->WithinCallingHours("SI", Ljubljana(2026, 11, 22, 3, 0)));
}

TEST(PolicyModelTest, AReplacementMayChangeRulesUnderANewVersion) {
  absl::StatusOr<PolicyModel> current = Parse("");
  absl::StatusOr<PolicyModel> next = PolicyModel::FromTextProto(R"pb(
    version: "t2"
    purposes {
      name: "marketing"
      lawful_basis: LAWFUL_BASIS_CONSENT
      consent_expiry_days: 30
    }
    channels { name: "phone" calling_hours_apply: false }
    refusal_lifting_methods: COLLECTION_METHOD_PAPER
    check_time_window { max_past_seconds: 60 max_future_seconds: 3600 }
  )pb");
  ASSERT_TRUE(current.ok() && next.ok());
  EXPECT_TRUE(current->CanBeReplacedBy(*next).ok());
  EXPECT_FALSE(current->SameAs(*next));
  // The same text again is no change at all.
  absl::StatusOr<PolicyModel> again = Parse("");
  EXPECT_TRUE(current->CanBeReplacedBy(*again).ok());
  EXPECT_TRUE(current->SameAs(*again));
}

TEST(PolicyModelTest, AReplacementKeepsWhatNamesStoredRecords) {
  absl::StatusOr<PolicyModel> current = Parse(R"pb(
    channels { name: "sms" }
    default_region: "SI"
  )pb");
  ASSERT_TRUE(current.ok()) << current.status();
  const struct {
    const char* text;
    const char* named;
  } kChanges[] = {
      {R"pb(version: "t2"
            purposes { name: "care" lawful_basis: LAWFUL_BASIS_CONTRACT }
            purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
            channels { name: "phone" }
            channels { name: "sms" }
            default_region: "SI")pb",
       "purposes or their order, which the in-memory index holds by "
       "position: restart"},
      {R"pb(version: "t2"
            purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
            channels { name: "sms" }
            channels { name: "phone" }
            default_region: "SI")pb",
       "channels or their order, which the in-memory index holds by "
       "position: restart"},
      {R"pb(version: "t2"
            purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
            channels { name: "phone" }
            channels { name: "sms" }
            channels { name: "email" }
            default_region: "SI")pb",
       "channels or their order, which the in-memory index holds by "
       "position: restart"},
      {R"pb(version: "t2"
            purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
            channels { name: "phone" }
            channels { name: "sms" }
            email { strip_plus_tag: true }
            default_region: "SI")pb",
       "e-mail normalisation, under which the store's identifiers were "
       "digested"},
      {R"pb(version: "t2"
            purposes { name: "marketing" lawful_basis: LAWFUL_BASIS_CONSENT }
            channels { name: "phone" }
            channels { name: "sms" }
            default_region: "HR")pb",
       "default region, under which the store's identifiers were digested"},
  };
  for (const auto& change : kChanges) {
    absl::StatusOr<PolicyModel> next = PolicyModel::FromTextProto(change.text);
    ASSERT_TRUE(next.ok()) << next.status();
    absl::Status refused = current->CanBeReplacedBy(*next);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition)
        << change.named;
    EXPECT_THAT(refused.message(), HasSubstr(change.named));
  }
}

TEST(PolicyModelTest, AChangedPolicyUnderTheSameVersionIsRefused) {
  absl::StatusOr<PolicyModel> current = Parse("");
  absl::StatusOr<PolicyModel> same_version =
      Parse(R"pb(idempotency_window_seconds: 60)pb");
  ASSERT_TRUE(current.ok() && same_version.ok());
  absl::Status refused = current->CanBeReplacedBy(*same_version);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("keeps its version t1"));
}

}  // namespace
}  // namespace consentd::policy
