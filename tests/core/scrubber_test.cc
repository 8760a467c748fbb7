#include "service/core/scrubber.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/list_digest.h"
#include "crypto/receipt_signature.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "service/core/input_validation.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class ScrubberTest : public CoreFixture {
 protected:
  const Scrubber& scrubber() { return core_->scrubber(); }

  static consent::v1::ScrubHeader Header() {
    consent::v1::ScrubHeader header;
    header.set_purpose("marketing");
    header.set_channel("email");
    header.set_default_region("SI");
    header.set_list_name("leads-q4.csv");
    return header;
  }

  static consent::v1::ScrubRow Row(const std::string& id,
                                   const consent::v1::Identifier& identifier) {
    consent::v1::ScrubRow row;
    row.set_row_id(id);
    *row.add_identifiers() = identifier;
    return row;
  }

  static consent::v1::ScrubRows Rows(
      std::initializer_list<consent::v1::ScrubRow> rows) {
    consent::v1::ScrubRows out;
    for (const consent::v1::ScrubRow& row : rows) *out.add_rows() = row;
    return out;
  }

  std::unique_ptr<Scrubber::Session> Begin() {
    absl::StatusOr<std::unique_ptr<Scrubber::Session>> session =
        scrubber().Begin(Header(), kCampaign);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *std::move(session) : nullptr;
  }
};

TEST_F(ScrubberTest, TheReceiptNamesTheTimeRegionAndListsConsulted) {
  auto import = [&](const std::string& name, const std::string& version,
                    const std::string& channel, const std::string& email) {
    consent::v1::ImportListHeader header;
    header.set_name(name);
    header.set_version(version);
    header.set_default_region("SI");
    header.add_channels(channel);
    auto list = core_->list_registry().BeginImport(kListManager, header);
    ASSERT_TRUE(list.ok()) << list.status();
    ASSERT_TRUE((*list)->Add(Email(email)).ok());
    ASSERT_TRUE((*list)->Finish().ok());
  };
  import("email-optouts", "2026-11-30", "email", "listed@x.si");
  import("si-national-dnc", "2026-11", "phone", "listed@x.si");  // not e-mail
  consent::v1::ScrubHeader header = Header();
  *header.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now_ + absl::Hours(48)));
  absl::StatusOr<std::unique_ptr<Scrubber::Session>> session =
      scrubber().Begin(header, kCampaign);
  ASSERT_TRUE(session.ok()) << session.status();
  // A new version mid-scrub: the rows are still decided against the one
  // the receipt will name.
  import("email-optouts", "2026-12-01", "email", "other@x.si");
  consent::v1::ScrubRowResults results;
  ASSERT_TRUE((*session)
                  ->Decide(Rows({Row("1", Email("listed@x.si"))}), &results)
                  .ok());
  EXPECT_EQ(results.rows(0).reason(),
            consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = (*session)->Finish();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->caller(), "spiffe://callcentre.example/campaign/1");
  EXPECT_EQ(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(receipt->at()),
      absl::ToUnixMicros(now_ + absl::Hours(48)));
  EXPECT_EQ(receipt->default_region(), "SI");
  ASSERT_EQ(receipt->lists_consulted_size(), 1);
  EXPECT_EQ(receipt->lists_consulted(0).name(), "email-optouts");
  EXPECT_EQ(receipt->lists_consulted(0).version(), "2026-11-30");
  // The signature covers them: a receipt with another `at` does not verify.
  consent::v1::ScrubReceipt altered = *receipt;
  altered.mutable_at()->set_seconds(altered.at().seconds() - 86400);
  EXPECT_TRUE(crypto::VerifyReceipt(*receipt, scrubber().receipt_key()).ok());
  EXPECT_FALSE(crypto::VerifyReceipt(altered, scrubber().receipt_key()).ok());
}

TEST_F(ScrubberTest, RowsAreDecidedAsCheckDecidesThem) {
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("a@x.si")))
                  .ok());
  ASSERT_TRUE(
      core_->ledger()
          .RecordConsent(
              kCollector,
              Consent(Email("b@x.si"), consent::v1::COLLECTION_METHOD_WEB_FORM,
                      consent::v1::CONSENT_ACTION_GRANT, "marketing", "email"))
          .ok());
  std::unique_ptr<Scrubber::Session> session = Begin();
  const std::vector<std::string> addresses = {"a@x.si", "b@x.si", "c@x.si"};
  consent::v1::ScrubRows rows;
  for (const std::string& address : addresses) {
    *rows.add_rows() = Row(address, Email(address));
  }
  consent::v1::ScrubRowResults results;
  ASSERT_TRUE(session->Decide(rows, &results).ok());
  ASSERT_EQ(results.rows_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const consent::v1::ScrubRowResult& result = results.rows(i);
    consent::v1::Decision expected =
        Decide(CheckOf(Email(addresses[i]), "marketing", "email"));
    EXPECT_EQ(result.row_id(), addresses[i]);
    EXPECT_EQ(result.verdict(), expected.verdict()) << addresses[i];
    EXPECT_EQ(result.reason(), expected.reason()) << addresses[i];
  }
}

TEST_F(ScrubberTest, AFullMessageIsDecidedInOrderAcrossTheWorkers) {
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Phone("+38640100007")))
                  .ok());
  std::unique_ptr<Scrubber::Session> session = Begin();
  consent::v1::ScrubRows rows;
  crypto::ListDigest expected_digest;
  for (int i = 0; i < kMaxScrubRowsPerMessage; ++i) {
    consent::v1::ScrubRow row =
        Row(absl::StrCat(i), Phone(absl::StrCat("+38640", 100000 + i)));
    if (i % 10 == 3) row.clear_identifiers();
    expected_digest.AddRow(row);
    *rows.add_rows() = std::move(row);
  }
  consent::v1::ScrubRowResults results;
  ASSERT_TRUE(session->Decide(rows, &results).ok());
  ASSERT_EQ(results.rows_size(), kMaxScrubRowsPerMessage);
  int objections = 0;
  for (int i = 0; i < kMaxScrubRowsPerMessage; ++i) {
    const consent::v1::ScrubRowResult& result = results.rows(i);
    ASSERT_EQ(result.row_id(), absl::StrCat(i));
    if (i % 10 == 3) {
      EXPECT_EQ(result.reason(),
                consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
    } else if (result.reason() == consent::v1::DECISION_REASON_OBJECTION) {
      ++objections;
      EXPECT_EQ(i, 7);
    } else {
      EXPECT_EQ(result.reason(), consent::v1::DECISION_REASON_NO_CONSENT) << i;
    }
  }
  EXPECT_EQ(objections, 1);
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = session->Finish();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->rows_total(), kMaxScrubRowsPerMessage);
  EXPECT_EQ(receipt->list_digest(), expected_digest.Finish());
}

TEST_F(ScrubberTest, TheReceiptCountsDigestsSignsAndIsKept) {
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("a@x.si")))
                  .ok());
  std::unique_ptr<Scrubber::Session> session = Begin();
  crypto::ListDigest expected_digest;
  // Two messages: the digest and the counts run across message boundaries.
  const consent::v1::ScrubRows first =
      Rows({Row("1", Email("a@x.si")), Row("2", Phone("12"))});
  const consent::v1::ScrubRows second =
      Rows({Row("3", Email("c@x.si")), consent::v1::ScrubRow()});
  for (const consent::v1::ScrubRows& rows : {first, second}) {
    consent::v1::ScrubRowResults results;
    ASSERT_TRUE(session->Decide(rows, &results).ok());
    EXPECT_EQ(results.rows_size(), 2);
    for (const consent::v1::ScrubRow& row : rows.rows()) {
      expected_digest.AddRow(row);
    }
  }
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = session->Finish();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->rows_total(), 4);
  EXPECT_EQ(receipt->rows_allowed(), 0);
  std::map<consent::v1::DecisionReason, int64_t> counts;
  for (const auto& count : receipt->rows_by_reason()) {
    counts[count.reason()] = count.rows();
  }
  EXPECT_EQ(counts[consent::v1::DECISION_REASON_OBJECTION], 1);
  EXPECT_EQ(counts[consent::v1::DECISION_REASON_INVALID_IDENTIFIER], 2);
  EXPECT_EQ(counts[consent::v1::DECISION_REASON_NO_CONSENT], 1);
  EXPECT_EQ(receipt->list_digest(), expected_digest.Finish());
  EXPECT_EQ(receipt->policy_version(), core_->policy()->version());
  EXPECT_EQ(receipt->purpose(), "marketing");
  EXPECT_EQ(receipt->channel(), "email");
  EXPECT_EQ(receipt->caller(), kCampaign.principal);
  EXPECT_EQ(receipt->list_name(), "leads-q4.csv");
  EXPECT_TRUE(crypto::VerifyReceipt(*receipt, scrubber().receipt_key()).ok());

  absl::StatusOr<consent::v1::ScrubReceipt> kept =
      scrubber().Receipt(receipt->receipt_id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->SerializeAsString(), receipt->SerializeAsString());
}

TEST_F(ScrubberTest, TheSigningKeySurvivesARestart) {
  const std::string key = scrubber().receipt_key().public_key();
  Reopen();
  EXPECT_EQ(scrubber().receipt_key().public_key(), key);
}

TEST_F(ScrubberTest, AnUnknownReceiptIsNotFound) {
  EXPECT_EQ(scrubber().Receipt("rcpt-none").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ScrubberTest, ABadHeaderIsRejected) {
  consent::v1::ScrubHeader no_channel = Header();
  no_channel.clear_channel();
  consent::v1::ScrubHeader long_name = Header();
  long_name.set_list_name(std::string(kMaxListNameLength + 1, 'n'));
  for (const auto& header : {no_channel, long_name}) {
    EXPECT_EQ(scrubber().Begin(header, kCampaign).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(ScrubberTest, AMessageOverTheBoundsIsAnErrorAndDecidesNothing) {
  std::unique_ptr<Scrubber::Session> session = Begin();
  consent::v1::ScrubRow wide = Row("2", Email("a@x.si"));
  for (int i = 0; i < kMaxIdentifiersPerContact; ++i) {
    *wide.add_identifiers() = Email("a@x.si");
  }
  consent::v1::ScrubRowResults results;
  const consent::v1::ScrubRow fine = Row("1", Email("b@x.si"));
  EXPECT_THAT(session->Decide(Rows({fine, wide}), &results).message(),
              HasSubstr("row 2"));
  consent::v1::ScrubRow long_id =
      Row(std::string(kMaxRowIdLength + 1, 'r'), Email("a@x.si"));
  EXPECT_EQ(session->Decide(Rows({long_id}), &results).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(session->Decide(Rows({}), &results).code(),
            absl::StatusCode::kInvalidArgument);
  consent::v1::ScrubRows too_many;
  for (int i = 0; i <= kMaxScrubRowsPerMessage; ++i)
    *too_many.add_rows() = fine;
  EXPECT_EQ(session->Decide(too_many, &results).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(results.rows_size(), 0);

  // The rejected messages left no trace in the receipt.
  ASSERT_TRUE(session->Decide(Rows({fine}), &results).ok());
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = session->Finish();
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->rows_total(), 1);
  crypto::ListDigest expected_digest;
  expected_digest.AddRow(fine);
  EXPECT_EQ(receipt->list_digest(), expected_digest.Finish());
}

}  // namespace
}  // namespace consentd::core
