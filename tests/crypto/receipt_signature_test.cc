#include "crypto/receipt_signature.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/testing/secret_keys.h"

namespace consentd::crypto {
namespace {

consent::v1::ScrubReceipt SampleReceipt() {
  consent::v1::ScrubReceipt receipt;
  receipt.set_receipt_id("rcpt-1");
  receipt.set_list_digest(std::string(32, '\x07'));
  receipt.set_rows_total(1000);
  receipt.set_rows_allowed(800);
  consent::v1::ReasonCount* count = receipt.add_rows_by_reason();
  count->set_reason(consent::v1::DECISION_REASON_OBJECTION);
  count->set_rows(200);
  receipt.set_policy_version("p1");
  receipt.set_purpose("marketing");
  receipt.set_channel("phone");
  receipt.mutable_scrubbed_at()->set_seconds(1795428000);
  receipt.set_caller("ipv4:127.0.0.1:4000");
  receipt.set_list_name("leads-q4.csv");
  return receipt;
}

TEST(ReceiptSignatureTest, ASignedReceiptVerifies) {
  ReceiptSigner signer(testing::SecretKeyOf(1));
  consent::v1::ScrubReceipt receipt = SampleReceipt();
  signer.Sign(receipt);
  EXPECT_EQ(receipt.key_id(), signer.key().key_id());
  EXPECT_EQ(receipt.signature().size(), 64u);
  EXPECT_EQ(signer.key().public_key().size(), 32u);
  EXPECT_TRUE(VerifyReceipt(receipt, signer.key()).ok());
}

TEST(ReceiptSignatureTest, TheSameSeedGivesTheSameKey) {
  EXPECT_EQ(ReceiptSigner(testing::SecretKeyOf(1)).key().public_key(),
            ReceiptSigner(testing::SecretKeyOf(1)).key().public_key());
  EXPECT_NE(ReceiptSigner(testing::SecretKeyOf(1)).key().key_id(),
            ReceiptSigner(testing::SecretKeyOf(2)).key().key_id());
}

TEST(ReceiptSignatureTest, ChangingAnyByteOfTheReceiptBreaksTheSignature) {
  ReceiptSigner signer(testing::SecretKeyOf(1));
  consent::v1::ScrubReceipt signed_receipt = SampleReceipt();
  signer.Sign(signed_receipt);
  const std::string bytes = signed_receipt.SerializeAsString();
  int altered = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string changed = bytes;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    consent::v1::ScrubReceipt receipt;
    // A change that breaks the encoding itself is caught by parsing.
    if (!receipt.ParseFromString(changed)) continue;
    ++altered;
    EXPECT_FALSE(VerifyReceipt(receipt, signer.key()).ok()) << "byte " << i;
  }
  EXPECT_GT(altered, static_cast<int>(bytes.size() / 2));
}

TEST(ReceiptSignatureTest, AnotherKeyIsNamedAsSuch) {
  consent::v1::ScrubReceipt receipt = SampleReceipt();
  ReceiptSigner(testing::SecretKeyOf(1)).Sign(receipt);
  EXPECT_EQ(VerifyReceipt(receipt, ReceiptSigner(testing::SecretKeyOf(2)).key())
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReceiptSignatureTest, AnAlteredFieldIsDataLoss) {
  ReceiptSigner signer(testing::SecretKeyOf(1));
  consent::v1::ScrubReceipt receipt = SampleReceipt();
  signer.Sign(receipt);
  receipt.set_rows_allowed(801);
  EXPECT_EQ(VerifyReceipt(receipt, signer.key()).code(),
            absl::StatusCode::kDataLoss);
}

TEST(ReceiptSignatureTest, MissingSignatureOrMalformedKeyIsInvalid) {
  ReceiptSigner signer(testing::SecretKeyOf(1));
  EXPECT_EQ(VerifyReceipt(SampleReceipt(), signer.key()).code(),
            absl::StatusCode::kInvalidArgument);
  consent::v1::ScrubReceipt receipt = SampleReceipt();
  signer.Sign(receipt);
  consent::v1::ReceiptKey short_key = signer.key();
  short_key.set_public_key("short");
  EXPECT_EQ(VerifyReceipt(receipt, short_key).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::crypto
