#include "crypto/checkpoint_signature.h"

#include <array>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/testing/secret_keys.h"

namespace consentd::crypto {
namespace {

consent::v1::AuditCheckpoint Sample() {
  consent::v1::AuditCheckpoint checkpoint;
  checkpoint.set_sequence(1234);
  checkpoint.set_entry_hash(std::string(32, '\x05'));
  checkpoint.mutable_at()->set_seconds(1795428000);
  checkpoint.mutable_at()->set_nanos(5000);
  return checkpoint;
}

TEST(CheckpointSignatureTest, ASignedCheckpointVerifies) {
  CheckpointSigner signer(testing::SecretKeyOf(1));
  consent::v1::AuditCheckpoint checkpoint = Sample();
  signer.Sign(checkpoint);
  EXPECT_EQ(checkpoint.key_id(), signer.key_id());
  EXPECT_EQ(checkpoint.public_key(), signer.public_key());
  EXPECT_TRUE(VerifyCheckpoint(checkpoint, signer.public_key()).ok());
}

TEST(CheckpointSignatureTest, EverySignedFieldIsCovered) {
  CheckpointSigner signer(testing::SecretKeyOf(1));
  consent::v1::AuditCheckpoint signed_checkpoint = Sample();
  signer.Sign(signed_checkpoint);
  for (int change = 0; change < 4; ++change) {
    consent::v1::AuditCheckpoint altered = signed_checkpoint;
    switch (change) {
      case 0:
        altered.set_sequence(1235);
        break;
      case 1:
        altered.mutable_entry_hash()->at(0) ^= 1;
        break;
      case 2:
        altered.mutable_at()->set_seconds(1795428001);
        break;
      case 3:
        altered.mutable_at()->set_nanos(5001);
        break;
    }
    EXPECT_EQ(VerifyCheckpoint(altered, signer.public_key()).code(),
              absl::StatusCode::kDataLoss)
        << "change " << change;
  }
}

TEST(CheckpointSignatureTest, AnotherKeyOrMalformedInputIsRefused) {
  consent::v1::AuditCheckpoint checkpoint = Sample();
  CheckpointSigner(testing::SecretKeyOf(1)).Sign(checkpoint);
  EXPECT_EQ(
      VerifyCheckpoint(checkpoint,
                       CheckpointSigner(testing::SecretKeyOf(2)).public_key())
          .code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifyCheckpoint(checkpoint, "short").code(),
            absl::StatusCode::kInvalidArgument);
  consent::v1::AuditCheckpoint unsigned_checkpoint = Sample();
  EXPECT_EQ(
      VerifyCheckpoint(unsigned_checkpoint,
                       CheckpointSigner(testing::SecretKeyOf(1)).public_key())
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::crypto
