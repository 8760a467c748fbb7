#include "service/store/sqlcipher_erasure_journal.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

class SqlcipherErasureJournalTest : public SqlcipherStoreFixture {
 protected:
  static std::vector<ErasureEntry> Journal(SqlcipherStore& store) {
    std::vector<ErasureEntry> entries;
    EXPECT_TRUE(store.erasure_journal()
                    .ScanErasures([&](const ErasureEntry& entry) {
                      entries.push_back(entry);
                      return absl::OkStatus();
                    })
                    .ok());
    return entries;
  }
};

TEST_F(SqlcipherErasureJournalTest, AFreshStoreHasErasedNobody) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  EXPECT_TRUE(Journal(*store).empty());
}

TEST_F(SqlcipherErasureJournalTest, EachErasureIsJournaledOldestFirst) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_TRUE(store->facts()
                    .EraseFacts({DigestOf(3), DigestOf(2)}, {}, "dsr-b", 200,
                                kEveryFact, Audit("subject.erased"))
                    .ok());
    ASSERT_TRUE(store->facts()
                    .EraseFacts({DigestOf(5)}, {}, "dsr-a", 100, kEveryFact,
                                Audit("subject.erased"))
                    .ok());
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  std::vector<ErasureEntry> journal = Journal(*store);
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_EQ(journal[0].digest, DigestOf(5));
  EXPECT_EQ(journal[0].request_id, "dsr-a");
  EXPECT_EQ(journal[0].erased_us, 100);
  EXPECT_EQ(journal[1].digest, DigestOf(2));
  EXPECT_EQ(journal[1].request_id, "dsr-b");
  EXPECT_EQ(journal[2].digest, DigestOf(3));
  EXPECT_EQ(journal[2].erased_us, 200);
}

TEST_F(SqlcipherErasureJournalTest, TheScanStopsAtTheVisitorsError) {
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  ASSERT_TRUE(store->facts()
                  .EraseFacts({DigestOf(1), DigestOf(2)}, {}, "dsr-1", 10,
                              kEveryFact, Audit("subject.erased"))
                  .ok());
  int visited = 0;
  absl::Status status =
      store->erasure_journal().ScanErasures([&](const ErasureEntry&) {
        ++visited;
        return absl::CancelledError("enough");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(visited, 1);
}

}  // namespace
}  // namespace consentd::store
