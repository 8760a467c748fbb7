#include "service/store/sqlcipher_list_store.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::testing::HasSubstr;

class SqlcipherListStoreTest : public SqlcipherStoreFixture {
 protected:
  static ListRecord Header(const std::string& version) {
    ListRecord list;
    list.version = version;
    list.purposes = {"marketing"};
    list.imported_us = 42;
    return list;
  }

  // Stages, fills and publishes a list of `digest_fills`.
  ListRecord Publish(SqlcipherStore& store, const std::string& name,
                     const std::string& version,
                     const std::vector<uint8_t>& digest_fills) {
    absl::StatusOr<int64_t> id = store.lists().StageList(Header(version));
    EXPECT_TRUE(id.ok()) << id.status();
    std::vector<crypto::Digest> digests;
    for (uint8_t fill : digest_fills) digests.push_back(DigestOf(fill));
    EXPECT_TRUE(store.lists().AppendListEntries(*id, digests).ok());
    absl::StatusOr<ListRecord> published =
        store.lists().PublishList(*id, name, 3, Audit("list.published"));
    EXPECT_TRUE(published.ok()) << published.status();
    return published.ok() ? *published : ListRecord();
  }

  std::vector<crypto::Digest> Entries(SqlcipherStore& store, int64_t list_id) {
    std::vector<crypto::Digest> entries;
    EXPECT_TRUE(store.lists()
                    .ScanListEntries(list_id,
                                     [&](const crypto::Digest& digest) {
                                       entries.push_back(digest);
                                     })
                    .ok());
    return entries;
  }
};

TEST_F(SqlcipherListStoreTest, APublishedListKeepsItsDescriptionAndEntries) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord list = Publish(*store, "dnc", "v1", {1, 2, 2, 3});
  EXPECT_EQ(list.name, "dnc");
  EXPECT_EQ(list.version, "v1");
  EXPECT_EQ(list.entries, 3) << "duplicates are stored once";
  EXPECT_EQ(list.rejected_entries, 3);
  EXPECT_EQ(list.purposes, std::vector<std::string>{"marketing"});
  EXPECT_TRUE(list.channels.empty());
  EXPECT_EQ(list.imported_us, 42);
  EXPECT_EQ(Entries(*store, list.list_id).size(), 3u);
}

TEST_F(SqlcipherListStoreTest, AStagedListIsInvisibleUntilPublished) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<int64_t> id = store->lists().StageList(Header("v1"));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(store->lists().AppendListEntries(*id, {DigestOf(1)}).ok());
  EXPECT_TRUE(store->lists().Lists()->empty());
}

TEST_F(SqlcipherListStoreTest, PublishingReplacesTheListOfTheSameName) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord first = Publish(*store, "dnc", "v1", {1, 2});
  ListRecord second = Publish(*store, "dnc", "v2", {3});
  absl::StatusOr<std::vector<ListRecord>> lists = store->lists().Lists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ((*lists)[0].version, "v2");
  EXPECT_TRUE(Entries(*store, first.list_id).empty()) << "old entries deleted";
  EXPECT_EQ(Entries(*store, second.list_id),
            std::vector<crypto::Digest>{DigestOf(3)});
}

TEST_F(SqlcipherListStoreTest, ADiscardedStagedListLeavesNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<int64_t> id = store->lists().StageList(Header("v1"));
  ASSERT_TRUE(store->lists().AppendListEntries(*id, {DigestOf(1)}).ok());
  ASSERT_TRUE(store->lists().DiscardStagedList(*id).ok());
  EXPECT_TRUE(Entries(*store, *id).empty());
  EXPECT_EQ(store->lists()
                .PublishList(*id, "dnc", 0, Audit("list.published"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

// Publishing deletes the list it replaces before it finds nothing staged:
// the failure must take the deletion back, and leave no transaction open.
TEST_F(SqlcipherListStoreTest, AFailedPublishChangesNothing) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  Publish(*store, "dnc", "v1", {1});
  absl::StatusOr<int64_t> id = store->lists().StageList(Header("v2"));
  ASSERT_TRUE(store->lists().DiscardStagedList(*id).ok());
  EXPECT_EQ(store->lists()
                .PublishList(*id, "dnc", 0, Audit("list.published"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<ListRecord>> lists = store->lists().Lists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ(lists->at(0).version, "v1");
  EXPECT_TRUE(Append(store->facts(), {SampleFact(1, 1)}).ok());
}

TEST_F(SqlcipherListStoreTest, AnImportACrashInterruptedIsDiscardedOnOpen) {
  int64_t staged;
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    Publish(*store, "dnc", "v1", {1});
    absl::StatusOr<int64_t> id = store->lists().StageList(Header("v2"));
    ASSERT_TRUE(id.ok());
    staged = *id;
    ASSERT_TRUE(store->lists().AppendListEntries(staged, {DigestOf(9)}).ok());
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  EXPECT_TRUE(Entries(*store, staged).empty());
  ASSERT_EQ(store->lists().Lists()->size(), 1u);
  EXPECT_EQ(store->lists().Lists()->at(0).version, "v1");
}

TEST_F(SqlcipherListStoreTest, DroppingRemovesTheListAndSaysWhenThereIsNone) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ListRecord list = Publish(*store, "dnc", "v1", {1});
  ASSERT_TRUE(store->lists().DropList("dnc", Audit("list.dropped")).ok());
  EXPECT_TRUE(store->lists().Lists()->empty());
  EXPECT_TRUE(Entries(*store, list.list_id).empty());
  EXPECT_EQ(store->lists().DropList("dnc", Audit("list.dropped")).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqlcipherListStoreTest, ListsAreReturnedByName) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  Publish(*store, "zeta", "v1", {1});
  Publish(*store, "alpha", "v1", {2});
  absl::StatusOr<std::vector<ListRecord>> lists = store->lists().Lists();
  ASSERT_EQ(lists->size(), 2u);
  EXPECT_EQ((*lists)[0].name, "alpha");
  EXPECT_EQ((*lists)[1].name, "zeta");
}

}  // namespace
}  // namespace consentd::store
