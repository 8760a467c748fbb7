#include "service/core/suppression_lists.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Scope ids as a policy assigns them (from 1, in policy order).
constexpr policy::ScopeId kMarketing = 1;
constexpr policy::ScopeId kCustomerCare = 2;
constexpr policy::ScopeId kPhone = 1;
constexpr policy::ScopeId kSms = 2;

crypto::Digest DigestOf(uint8_t seed) {
  crypto::Digest digest;
  digest.fill(seed);
  return digest;
}

std::shared_ptr<SuppressionList> ListOf(
    const std::string& name, std::vector<crypto::Digest> digests,
    std::vector<policy::ScopeId> purposes = {},
    std::vector<policy::ScopeId> channels = {}) {
  auto list = std::make_shared<SuppressionList>();
  list->name = name;
  list->purposes = std::move(purposes);
  list->channels = std::move(channels);
  list->digests.insert(digests.begin(), digests.end());
  return list;
}

policy::CheckQuery QueryFor(policy::ScopeId purpose, policy::ScopeId channel) {
  policy::CheckQuery query;
  query.purpose = purpose;
  query.channel = channel;
  return query;
}

std::vector<std::string> NamesOf(const SuppressionLists::Snapshot& snapshot) {
  std::vector<std::string> names;
  for (const SuppressionLists::ListPtr& list : snapshot) {
    names.push_back(list->name);
  }
  return names;
}

TEST(SuppressionListTest, AListWithoutScopeAppliesToEveryPurposeAndChannel) {
  std::shared_ptr<SuppressionList> list = ListOf("internal", {});
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kPhone)));
  EXPECT_TRUE(list->AppliesTo(QueryFor(kCustomerCare, kSms)));
}

TEST(SuppressionListTest, AListForAPurposeAppliesToThatPurposeOnly) {
  std::shared_ptr<SuppressionList> list = ListOf("dnc", {}, {kMarketing});
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kPhone)));
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kSms)));
  EXPECT_FALSE(list->AppliesTo(QueryFor(kCustomerCare, kPhone)));
}

TEST(SuppressionListTest, AListForAChannelAppliesToThatChannelOnly) {
  std::shared_ptr<SuppressionList> list = ListOf("dnc", {}, {}, {kPhone});
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kPhone)));
  EXPECT_TRUE(list->AppliesTo(QueryFor(kCustomerCare, kPhone)));
  EXPECT_FALSE(list->AppliesTo(QueryFor(kMarketing, kSms)));
}

TEST(SuppressionListTest, AListForAPurposeAndAChannelNeedsBothToApply) {
  std::shared_ptr<SuppressionList> list =
      ListOf("dnc", {}, {kMarketing}, {kPhone});
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kPhone)));
  EXPECT_FALSE(list->AppliesTo(QueryFor(kMarketing, kSms)));
  EXPECT_FALSE(list->AppliesTo(QueryFor(kCustomerCare, kPhone)));
}

TEST(SuppressionListTest, AListForSeveralPurposesAppliesToEachOfThem) {
  std::shared_ptr<SuppressionList> list =
      ListOf("dnc", {}, {kMarketing, kCustomerCare});
  EXPECT_TRUE(list->AppliesTo(QueryFor(kMarketing, kSms)));
  EXPECT_TRUE(list->AppliesTo(QueryFor(kCustomerCare, kSms)));
}

TEST(SuppressionListsTest, NoListsApplyWhenNoneAreHeld) {
  SuppressionLists lists;
  EXPECT_THAT(lists.Applying(QueryFor(kMarketing, kPhone)), IsEmpty());
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)), IsEmpty());
  EXPECT_EQ(lists.entry_count(), 0u);
}

TEST(SuppressionListsTest, ApplyingGivesTheListsInNameOrder) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {}));
  lists.Replace(ListOf("internal", {}));
  lists.Replace(ListOf("litigators", {}));
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kMarketing, kPhone))),
              ElementsAre("internal", "litigators", "si-dnc"));
}

TEST(SuppressionListsTest, ApplyingLeavesOutListsForOtherScopes) {
  SuppressionLists lists;
  lists.Replace(ListOf("every", {}));
  lists.Replace(ListOf("marketing-only", {}, {kMarketing}));
  lists.Replace(ListOf("sms-only", {}, {}, {kSms}));
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kCustomerCare, kPhone))),
              ElementsAre("every"));
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kMarketing, kPhone))),
              ElementsAre("every", "marketing-only"));
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kMarketing, kSms))),
              ElementsAre("every", "marketing-only", "sms-only"));
}

TEST(SuppressionListsTest, ReplaceTakesThePlaceOfTheListOfTheSameName) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {DigestOf(1), DigestOf(2)}));
  lists.Replace(ListOf("si-dnc", {DigestOf(3)}));
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)), IsEmpty());
  EXPECT_THAT(lists.NamesHolding(DigestOf(3)), ElementsAre("si-dnc"));
  EXPECT_EQ(lists.entry_count(), 1u);
  EXPECT_EQ(lists.Applying(QueryFor(kMarketing, kPhone)).size(), 1u);
}

TEST(SuppressionListsTest, ReplaceLeavesListsOfOtherNamesAlone) {
  SuppressionLists lists;
  lists.Replace(ListOf("internal", {DigestOf(1)}));
  lists.Replace(ListOf("si-dnc", {DigestOf(2)}));
  lists.Replace(ListOf("si-dnc", {DigestOf(3)}));
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)), ElementsAre("internal"));
}

TEST(SuppressionListsTest, ReplaceCanChangeWhatAListAppliesTo) {
  SuppressionLists lists;
  lists.Replace(ListOf("dnc", {}, {kMarketing}));
  lists.Replace(ListOf("dnc", {}, {kCustomerCare}));
  EXPECT_THAT(lists.Applying(QueryFor(kMarketing, kPhone)), IsEmpty());
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kCustomerCare, kPhone))),
              ElementsAre("dnc"));
}

TEST(SuppressionListsTest, DropRemovesTheListOfThatName) {
  SuppressionLists lists;
  lists.Replace(ListOf("internal", {DigestOf(1)}));
  lists.Replace(ListOf("si-dnc", {DigestOf(1), DigestOf(2)}));
  lists.Drop("si-dnc");
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)), ElementsAre("internal"));
  EXPECT_THAT(lists.NamesHolding(DigestOf(2)), IsEmpty());
  EXPECT_EQ(lists.entry_count(), 1u);
  EXPECT_THAT(NamesOf(lists.Applying(QueryFor(kMarketing, kPhone))),
              ElementsAre("internal"));
}

TEST(SuppressionListsTest, DroppingAnUnknownNameChangesNothing) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {DigestOf(1)}));
  lists.Drop("si-dn");
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)), ElementsAre("si-dnc"));
  EXPECT_EQ(lists.entry_count(), 1u);
}

TEST(SuppressionListsTest, NamesHoldingNamesEveryListWhateverItsScope) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {DigestOf(1)}, {kMarketing}, {kPhone}));
  lists.Replace(
      ListOf("internal", {DigestOf(1), DigestOf(2)}, {kCustomerCare}));
  lists.Replace(ListOf("litigators", {DigestOf(2)}));
  EXPECT_THAT(lists.NamesHolding(DigestOf(1)),
              ElementsAre("internal", "si-dnc"));
  EXPECT_THAT(lists.NamesHolding(DigestOf(9)), IsEmpty());
}

TEST(SuppressionListsTest, EntryCountAddsUpEveryList) {
  SuppressionLists lists;
  lists.Replace(ListOf("internal", {DigestOf(1), DigestOf(2)}));
  // A digest on two lists counts once for each.
  lists.Replace(ListOf("si-dnc", {DigestOf(2), DigestOf(3), DigestOf(4)}));
  EXPECT_EQ(lists.entry_count(), 5u);
}

TEST(SuppressionListsTest, ASnapshotKeepsTheOldVersionAfterAReplace) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {DigestOf(1)}));
  SuppressionLists::Snapshot before =
      lists.Applying(QueryFor(kMarketing, kPhone));
  lists.Replace(ListOf("si-dnc", {DigestOf(2)}));
  // The snapshot is all that still holds the old version, and it is whole.
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].use_count(), 1);
  EXPECT_EQ(before[0]->name, "si-dnc");
  EXPECT_TRUE(before[0]->digests.contains(DigestOf(1)));
  EXPECT_FALSE(before[0]->digests.contains(DigestOf(2)));
  // A new snapshot sees the new version.
  SuppressionLists::Snapshot after =
      lists.Applying(QueryFor(kMarketing, kPhone));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0]->digests.contains(DigestOf(2)));
}

TEST(SuppressionListsTest, ASnapshotKeepsADroppedList) {
  SuppressionLists lists;
  lists.Replace(ListOf("si-dnc", {DigestOf(1)}));
  SuppressionLists::Snapshot before =
      lists.Applying(QueryFor(kMarketing, kPhone));
  lists.Drop("si-dnc");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].use_count(), 1);
  EXPECT_TRUE(before[0]->digests.contains(DigestOf(1)));
  EXPECT_THAT(lists.Applying(QueryFor(kMarketing, kPhone)), IsEmpty());
}

}  // namespace
}  // namespace consentd::core
