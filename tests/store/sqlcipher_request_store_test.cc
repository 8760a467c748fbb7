#include "service/store/sqlcipher_request_store.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::consent::v1::REQUEST_STATE_COMPLETED;
using ::consent::v1::REQUEST_STATE_IDENTITY_VERIFIED;
using ::consent::v1::REQUEST_STATE_RECEIVED;
using ::testing::ElementsAre;

class SqlcipherRequestStoreTest : public SqlcipherStoreFixture {
 protected:
  void SetUp() override {
    store_ = OpenOrDie();
    ASSERT_NE(store_, nullptr);
  }
  RequestStore& requests() { return store_->requests(); }

  // Kept requests' bytes are the ids here, so a listing reads as ids.
  void Keep(const std::string& id, consent::v1::RequestState state,
            int64_t due_us) {
    ASSERT_TRUE(requests()
                    .SaveRequest(id, state, due_us, id, Audit("request.opened"))
                    .ok());
  }
  std::vector<std::string> List(const RequestQuery& query) {
    absl::StatusOr<std::vector<std::string>> listed =
        requests().ListRequests(query);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<std::string>();
  }

  std::unique_ptr<SqlcipherStore> store_;
};

TEST_F(SqlcipherRequestStoreTest, ARequestIsKeptAndReplacedUnderItsId) {
  Keep("dsr-1", REQUEST_STATE_RECEIVED, 10);
  ASSERT_TRUE(requests()
                  .SaveRequest("dsr-1", REQUEST_STATE_COMPLETED, 10, "done",
                               Audit("request.completed"))
                  .ok());
  absl::StatusOr<std::string> kept = requests().LoadRequest("dsr-1");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(*kept, "done");
}

TEST_F(SqlcipherRequestStoreTest, AnUnknownIdIsNotFound) {
  absl::StatusOr<std::string> kept = requests().LoadRequest("dsr-404");
  EXPECT_EQ(kept.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(kept.status().message(), "no request with that id");
}

TEST_F(SqlcipherRequestStoreTest, ListingIsByDueDateThenId) {
  Keep("dsr-c", REQUEST_STATE_RECEIVED, 20);
  Keep("dsr-b", REQUEST_STATE_RECEIVED, 10);
  Keep("dsr-a", REQUEST_STATE_RECEIVED, 20);
  EXPECT_THAT(List(RequestQuery()), ElementsAre("dsr-b", "dsr-a", "dsr-c"));
}

TEST_F(SqlcipherRequestStoreTest, ListingKeepsOnlyTheStatesAsked) {
  Keep("dsr-1", REQUEST_STATE_RECEIVED, 10);
  Keep("dsr-2", REQUEST_STATE_IDENTITY_VERIFIED, 20);
  Keep("dsr-3", REQUEST_STATE_COMPLETED, 30);
  RequestQuery query;
  query.states = {REQUEST_STATE_COMPLETED, REQUEST_STATE_RECEIVED};
  EXPECT_THAT(List(query), ElementsAre("dsr-1", "dsr-3"));
}

TEST_F(SqlcipherRequestStoreTest, ListingPagesOnFromTheCursor) {
  Keep("dsr-1", REQUEST_STATE_RECEIVED, 10);
  Keep("dsr-2", REQUEST_STATE_RECEIVED, 10);
  Keep("dsr-3", REQUEST_STATE_RECEIVED, 20);
  RequestQuery query;
  query.limit = 2;
  EXPECT_THAT(List(query), ElementsAre("dsr-1", "dsr-2"));
  query.after_due_us = 10;
  query.after_id = "dsr-2";
  EXPECT_THAT(List(query), ElementsAre("dsr-3"));
}

TEST_F(SqlcipherRequestStoreTest, ListingCanKeepOnlyThoseDueBeforeATime) {
  Keep("dsr-1", REQUEST_STATE_RECEIVED, 10);
  Keep("dsr-2", REQUEST_STATE_RECEIVED, 20);
  RequestQuery query;
  query.due_before_us = 20;
  EXPECT_THAT(List(query), ElementsAre("dsr-1"));
}

}  // namespace
}  // namespace consentd::store
