#include "crypto/list_digest.h"

#include <openssl/sha.h>

#include <string>

#include "gtest/gtest.h"

namespace consentd::crypto {
namespace {

consent::v1::ScrubRow Row(const std::string& id, const std::string& phone) {
  consent::v1::ScrubRow row;
  row.set_row_id(id);
  row.add_identifiers()->set_phone(phone);
  return row;
}

// The documented encoding, built by hand.
std::string Reference(const std::vector<consent::v1::ScrubRow>& rows) {
  std::string bytes;
  for (const consent::v1::ScrubRow& row : rows) {
    std::string serialized = row.SerializeAsString();
    uint32_t size = static_cast<uint32_t>(serialized.size());
    bytes.push_back(static_cast<char>(size >> 24));
    bytes.push_back(static_cast<char>(size >> 16));
    bytes.push_back(static_cast<char>(size >> 8));
    bytes.push_back(static_cast<char>(size));
    bytes += serialized;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

TEST(ListDigestTest, IsSha256OfLengthPrefixedRows) {
  std::vector<consent::v1::ScrubRow> rows = {Row("2", "+38631123456"),
                                             Row("3", "040 111 222")};
  ListDigest digest;
  for (const auto& row : rows) digest.AddRow(row);
  EXPECT_EQ(digest.Finish(), Reference(rows));
}

TEST(ListDigestTest, RowOrderMatters) {
  ListDigest a, b;
  a.AddRow(Row("1", "x"));
  a.AddRow(Row("2", "y"));
  b.AddRow(Row("2", "y"));
  b.AddRow(Row("1", "x"));
  EXPECT_NE(a.Finish(), b.Finish());
}

TEST(ListDigestTest, AnEmptyListHasTheEmptyDigest) {
  EXPECT_EQ(ListDigest().Finish(), Reference({}));
}

}  // namespace
}  // namespace consentd::crypto
