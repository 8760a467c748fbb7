#include "service/core/list_registry.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class ListRegistryTest : public CoreFixture {
 protected:
  ListRegistry& lists() { return core_->list_registry(); }

  static consent::v1::ImportListHeader Header(const std::string& version) {
    consent::v1::ImportListHeader header;
    header.set_name("si-national-dnc");
    header.set_version(version);
    header.set_default_region("SI");
    return header;
  }

  std::unique_ptr<ListRegistry::Import> Begin(
      const consent::v1::ImportListHeader& header) {
    absl::StatusOr<std::unique_ptr<ListRegistry::Import>> import =
        lists().BeginImport(kListManager, header);
    EXPECT_TRUE(import.ok()) << import.status();
    return import.ok() ? *std::move(import) : nullptr;
  }

  consent::v1::SuppressionList ImportPhones(
      const consent::v1::ImportListHeader& header,
      const std::vector<std::string>& phones) {
    std::unique_ptr<ListRegistry::Import> import = Begin(header);
    for (const std::string& phone : phones) {
      EXPECT_TRUE(import->Add(Phone(phone)).ok());
    }
    absl::StatusOr<consent::v1::SuppressionList> list = import->Finish();
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? *list : consent::v1::SuppressionList();
  }

  consent::v1::Decision CareCall(const std::string& phone) {
    return Decide(CheckOf(Phone(phone), "customer-care", "phone"));
  }
};

TEST_F(ListRegistryTest, ABatchAnswersEachContactExactlyAsCheckDoes) {
  ImportPhones(Header("2026-11"), {"031 123 456", "+386 40 111 222"});
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("objector@x.si")))
                  .ok());
  // Contacts of one to three identifiers, so that each contact's answer
  // must come from its own slice of the batch.
  const std::vector<std::vector<consent::v1::Identifier>> contacts = {
      {Phone("12"), Email("a@x.si")},
      {Phone("+38640111222")},
      {Email("b@x.si"), Phone("031 999 888"), Email("objector@x.si")},
      {Phone("+38631123456"), Email("objector@x.si")},
      {Email("c@x.si")}};
  consent::v1::CheckBatchRequest batch;
  batch.set_purpose("customer-care");
  batch.set_channel("phone");
  batch.set_default_region("SI");
  batch.set_include_identifiers(true);
  for (const auto& identifiers : contacts) {
    consent::v1::BatchContact* contact = batch.add_contacts();
    for (const auto& identifier : identifiers) {
      *contact->add_identifiers() = identifier;
    }
  }
  absl::StatusOr<consent::v1::CheckBatchResponse> answered =
      BatchChecked(batch);
  ASSERT_TRUE(answered.ok()) << answered.status();
  ASSERT_EQ(answered->decisions_size(), static_cast<int>(contacts.size()));
  std::vector<consent::v1::DecisionReason> reasons;
  for (size_t c = 0; c < contacts.size(); ++c) {
    consent::v1::CheckRequest alone =
        CheckOf(contacts[c][0], "customer-care", "phone");
    for (size_t i = 1; i < contacts[c].size(); ++i) {
      *alone.add_identifiers() = contacts[c][i];
    }
    consent::v1::Decision expected = Decide(alone);
    // A batch names the policy once, in the response.
    EXPECT_EQ(answered->policy_version(), expected.policy_version());
    expected.clear_policy_version();
    const consent::v1::Decision& got =
        answered->decisions(static_cast<int>(c)).decision();
    EXPECT_EQ(got.SerializeAsString(), expected.SerializeAsString())
        << "contact " << c;
    reasons.push_back(got.reason());
  }
  // The case covers what it means to: lists, objections, invalid input.
  EXPECT_EQ(reasons[1], consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(reasons[2], consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(answered->decisions(0).decision().identifiers(0).reason(),
            consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
}

TEST_F(ListRegistryTest, AListedNumberIsDeniedAndTheListNamed) {
  consent::v1::SuppressionList list =
      ImportPhones(Header("2026-11"), {"031 123 456", "+386 40 111 222"});
  EXPECT_EQ(list.entries(), 2);
  consent::v1::Decision decision = CareCall("+38631123456");
  EXPECT_EQ(decision.verdict(), consent::v1::VERDICT_DENY);
  EXPECT_EQ(decision.reason(), consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(decision.detail(), "si-national-dnc");
  EXPECT_EQ(CareCall("+38651000000").verdict(), consent::v1::VERDICT_ALLOW);
}

TEST_F(ListRegistryTest, ChecksDoNotSeeAListUntilItIsFinished) {
  std::unique_ptr<ListRegistry::Import> import = Begin(Header("2026-11"));
  ASSERT_TRUE(import->Add(Phone("031 123 456")).ok());
  EXPECT_EQ(CareCall("+38631123456").verdict(), consent::v1::VERDICT_ALLOW);
  ASSERT_TRUE(import->Finish().ok());
  EXPECT_EQ(CareCall("+38631123456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
}

TEST_F(ListRegistryTest, ANewVersionReplacesTheOldInOneStep) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  std::unique_ptr<ListRegistry::Import> next = Begin(Header("2026-12"));
  ASSERT_TRUE(next->Add(Phone("040 111 222")).ok());
  // While the new version streams in, the old one is in force.
  EXPECT_EQ(CareCall("+38631123456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(CareCall("+38640111222").verdict(), consent::v1::VERDICT_ALLOW);
  ASSERT_TRUE(next->Finish().ok());
  EXPECT_EQ(CareCall("+38631123456").verdict(), consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(CareCall("+38640111222").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  absl::StatusOr<consent::v1::ListListsResponse> described = lists().Describe();
  ASSERT_EQ(described->lists_size(), 1);
  EXPECT_EQ(described->lists(0).version(), "2026-12");
}

TEST_F(ListRegistryTest, AnAbandonedImportLeavesTheOldVersionInForce) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  {
    std::unique_ptr<ListRegistry::Import> abandoned = Begin(Header("2026-12"));
    ASSERT_TRUE(abandoned->Add(Phone("040 111 222")).ok());
  }
  EXPECT_EQ(CareCall("+38631123456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(CareCall("+38640111222").verdict(), consent::v1::VERDICT_ALLOW);
  Reopen();
  EXPECT_EQ(lists().Describe()->lists(0).version(), "2026-11");
}

TEST_F(ListRegistryTest, AScopedListDeniesOnlyItsPurposesAndChannels) {
  consent::v1::ImportListHeader header = Header("2026-11");
  header.add_channels("phone");
  ImportPhones(header, {"031 123 456"});
  EXPECT_EQ(CareCall("+38631123456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"), "customer-care", "email"))
                .verdict(),
            consent::v1::VERDICT_ALLOW);
}

TEST_F(ListRegistryTest, ConsentDoesNotOverrideAListEntry) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  ASSERT_TRUE(
      core_->ledger()
          .RecordConsent(
              kCollector,
              Consent(Phone("+38631123456"),
                      consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN))
          .ok());
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"))).reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
}

TEST_F(ListRegistryTest, EntriesThatCannotBeNormalisedAreCountedNotFatal) {
  consent::v1::SuppressionList list = ImportPhones(
      Header("2026-11"), {"031 123 456", "12", "not a number", "031123456"});
  EXPECT_EQ(list.entries(), 1);
  EXPECT_EQ(list.rejected_entries(), 2);
}

TEST_F(ListRegistryTest, ListsSurviveARestart) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  Reopen();
  EXPECT_EQ(CareCall("031 123 456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(core_->lists().entry_count(), 1u);
}

TEST_F(ListRegistryTest, AListOfManyBatchesIsReloadedWhole) {
  // Start-up reads a list in batches of 4,096 on a thread of its own: every
  // entry of every batch, the last partial one too, must come back, and
  // those of two lists must not mix.
  constexpr int kEntries = 10'000;
  std::vector<std::string> phones;
  for (int i = 0; i < kEntries; ++i) {
    phones.push_back(absl::StrCat("+38640", 100000 + i));
  }
  ImportPhones(Header("2026-11"), phones);
  consent::v1::ImportListHeader other = Header("2026-11");
  other.set_name("litigators");
  ImportPhones(other, {"+38631999888"});
  Reopen();
  EXPECT_EQ(core_->lists().entry_count(), kEntries + 1u);
  int denied = 0;
  for (const std::string& phone : phones) {
    const consent::v1::Decision decision = CareCall(phone);
    if (decision.reason() == consent::v1::DECISION_REASON_SUPPRESSION_LIST &&
        decision.detail() == "si-national-dnc") {
      ++denied;
    }
  }
  EXPECT_EQ(denied, kEntries);
  EXPECT_EQ(CareCall("+38631999888").detail(), "litigators");
  EXPECT_NE(CareCall("+38640110000").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
}

TEST_F(ListRegistryTest, EntriesComeInMessagesOfOneToAThousand) {
  std::unique_ptr<ListRegistry::Import> import = Begin(Header("2026-11"));
  consent::v1::ImportListEntries entries;
  EXPECT_EQ(import->AddAll(entries).code(), absl::StatusCode::kInvalidArgument);
  for (int i = 0; i <= kMaxImportEntriesPerMessage; ++i) {
    *entries.add_identifiers() = Phone(absl::StrCat("+3864015", 1000 + i));
  }
  absl::Status too_many = import->AddAll(entries);
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.message(), HasSubstr("1 to 1000 entries"));
  entries.mutable_identifiers()->RemoveLast();
  ASSERT_TRUE(import->AddAll(entries).ok());
  absl::StatusOr<consent::v1::SuppressionList> list = import->Finish();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->entries(), kMaxImportEntriesPerMessage);
  EXPECT_EQ(CareCall("+38640151000").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  // The refused message added nothing, its last entry included.
  EXPECT_NE(CareCall("+38640152000").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
}

TEST_F(ListRegistryTest, AListIsDroppedOnlyByTwoPrincipals) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  // The first ask, and the same principal asking again, only note it.
  for (int ask = 0; ask < 2; ++ask) {
    absl::StatusOr<consent::v1::DropListResponse> first =
        lists().Drop(kListManager, "si-national-dnc");
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_FALSE(first->dropped());
    EXPECT_EQ(CareCall("+38631123456").reason(),
              consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  }
  // A second list manager cannot confirm: it takes an officer or admin.
  const access::Caller other_manager{"lists-2", {access::Role::kListManager}};
  EXPECT_EQ(lists().Drop(other_manager, "si-national-dnc").status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::StatusOr<consent::v1::DropListResponse> second =
      lists().Drop(kOfficer1, "si-national-dnc");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->dropped());
  EXPECT_EQ(second->requested_by(), "lists-1");
  EXPECT_EQ(CareCall("+38631123456").verdict(), consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(lists().Drop(kOfficer1, "si-national-dnc").status().code(),
            absl::StatusCode::kNotFound);
  Reopen();
  EXPECT_EQ(CareCall("+38631123456").verdict(), consent::v1::VERDICT_ALLOW);
}

TEST_F(ListRegistryTest, AFirstAskLapsesAfterADay) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  ASSERT_FALSE(lists().Drop(kListManager, "si-national-dnc")->dropped());
  now_ += kDropConfirmWindow + absl::Seconds(1);
  // Past the window the officer's ask is a first ask again.
  EXPECT_FALSE(lists().Drop(kOfficer1, "si-national-dnc")->dropped());
  EXPECT_EQ(CareCall("+38631123456").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_TRUE(lists().Drop(kOfficer2, "si-national-dnc")->dropped());
}

TEST_F(ListRegistryTest, AConfirmationDropsOnlyTheVersionAskedAbout) {
  ImportPhones(Header("2026-11"), {"031 123 456"});
  ASSERT_FALSE(lists().Drop(kListManager, "si-national-dnc")->dropped());
  ImportPhones(Header("2026-12"), {"031 123 456", "031 123 457"});
  // The officer's ask is a first one for the new version.
  EXPECT_FALSE(lists().Drop(kOfficer1, "si-national-dnc")->dropped());
  EXPECT_EQ(CareCall("+38631123457").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_TRUE(lists().Drop(kOfficer2, "si-national-dnc")->dropped());
}

TEST_F(ListRegistryTest, OneOfficerDropsAloneWhenTheConfigAllowsIt) {
  require_second_officer_ = false;
  Reopen();
  ImportPhones(Header("2026-11"), {"031 123 456"});
  absl::StatusOr<consent::v1::DropListResponse> dropped =
      lists().Drop(kListManager, "si-national-dnc");
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_TRUE(dropped->dropped());
  EXPECT_EQ(CareCall("+38631123456").verdict(), consent::v1::VERDICT_ALLOW);
}

TEST_F(ListRegistryTest, ABadHeaderIsRejected) {
  consent::v1::ImportListHeader bad_name = Header("v1");
  bad_name.set_name("National DNC");
  consent::v1::ImportListHeader no_version = Header("");
  consent::v1::ImportListHeader unknown_purpose = Header("v1");
  unknown_purpose.add_purposes("telepathy");
  consent::v1::ImportListHeader bad_region = Header("v1");
  bad_region.set_default_region("slovenia");
  for (const auto& header :
       {bad_name, no_version, unknown_purpose, bad_region}) {
    EXPECT_EQ(lists().BeginImport(kListManager, header).status().code(),
              absl::StatusCode::kInvalidArgument)
        << header.ShortDebugString();
  }
  EXPECT_THAT(
      lists().BeginImport(kListManager, unknown_purpose).status().message(),
      HasSubstr("purpose"));
  EXPECT_TRUE(lists().Describe()->lists().empty());
}

TEST_F(ListRegistryTest, ListsAreBounded) {
  for (size_t i = 0; i + 1 < kMaxLists; ++i) {
    consent::v1::ImportListHeader header = Header("v1");
    header.set_name(absl::StrCat("list-", i));
    ImportPhones(header, {"031 123 456"});
  }
  // Two new lists begun side by side for the last place: one is published.
  consent::v1::ImportListHeader first = Header("v1");
  first.set_name("last-a");
  consent::v1::ImportListHeader second = Header("v1");
  second.set_name("last-b");
  auto a = lists().BeginImport(kListManager, first);
  auto b = lists().BeginImport(kListManager, second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->Finish().ok());
  EXPECT_EQ((*b)->Finish().status().code(),
            absl::StatusCode::kResourceExhausted);
  consent::v1::ImportListHeader one_more = Header("v1");
  one_more.set_name("one-more");
  absl::Status full = lists().BeginImport(kListManager, one_more).status();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  // A new version of a list held is no new list.
  consent::v1::ImportListHeader again = Header("v2");
  again.set_name("list-0");
  EXPECT_TRUE(lists().BeginImport(kListManager, again).ok());
}

TEST_F(ListRegistryTest, ANewVersionCannotEmptyOrNarrowAListWithoutADrop) {
  consent::v1::ImportListHeader header = Header("v1");
  header.add_channels("phone");
  header.add_channels("sms");
  ImportPhones(header, {"031 123 456", "031 123 457", "031 123 458"});
  auto finish = [&](const consent::v1::ImportListHeader& next,
                    std::vector<std::string> phones) {
    auto import = lists().BeginImport(kListManager, next);
    EXPECT_TRUE(import.ok()) << import.status();
    for (const std::string& phone : phones) {
      consent::v1::Identifier id;
      id.set_phone(phone);
      EXPECT_TRUE((*import)->Add(id).ok());
    }
    return (*import)->Finish().status();
  };
  consent::v1::ImportListHeader empty = header;
  empty.set_version("v2-empty");
  absl::Status emptied = finish(empty, {});
  EXPECT_EQ(emptied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(emptied.message(), HasSubstr("under 90%"));
  consent::v1::ImportListHeader narrower = header;
  narrower.set_version("v2-narrow");
  narrower.clear_channels();
  narrower.add_channels("sms");
  EXPECT_EQ(
      finish(narrower, {"031 123 456", "031 123 457", "031 123 458"}).code(),
      absl::StatusCode::kFailedPrecondition);
  // The version in force still denies.
  EXPECT_EQ(CareCall("+38631123457").reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  // Growing, or widening to every channel, is a plain update.
  consent::v1::ImportListHeader wider = header;
  wider.set_version("v3");
  wider.clear_channels();
  EXPECT_TRUE(finish(wider, {"031 123 456", "031 123 457", "031 123 458",
                             "031 123 459"})
                  .ok());
}

}  // namespace
}  // namespace consentd::core
