#include "service/store/sqlcipher_receipt_store.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_fixture.h"

namespace consentd::store {
namespace {

using ::testing::HasSubstr;

class SqlcipherReceiptStoreTest : public SqlcipherStoreFixture {};

TEST_F(SqlcipherReceiptStoreTest, ReceiptsAreKeptByIdAndSurviveReopen) {
  {
    std::unique_ptr<SqlcipherStore> store = OpenOrDie();
    ASSERT_TRUE(store->receipts()
                    .SaveReceipt("rcpt-1", std::string("\x01\x00\x02", 3), 7,
                                 Audit("scrub.receipt_issued"))
                    .ok());
    EXPECT_EQ(
        store->receipts()
            .SaveReceipt("rcpt-1", "again", 8, Audit("scrub.receipt_issued"))
            .code(),
        absl::StatusCode::kAlreadyExists);
  }
  std::unique_ptr<SqlcipherStore> store = OpenOrDie();
  absl::StatusOr<std::string> receipt = store->receipts().LoadReceipt("rcpt-1");
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(*receipt, std::string("\x01\x00\x02", 3));
  EXPECT_EQ(store->receipts().LoadReceipt("rcpt-2").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace consentd::store
