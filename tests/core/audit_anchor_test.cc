#include "service/core/audit_anchor.h"

#include <sys/stat.h>

#include <array>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "crypto/checkpoint_signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/secret_keys.h"
#include "tests/testing/temp_dir.h"

namespace consentd::core {
namespace {

class AuditAnchorTest : public ::testing::Test {
 protected:
  consent::v1::AuditCheckpoint Signed(int64_t sequence) const {
    consent::v1::AuditCheckpoint checkpoint;
    checkpoint.set_sequence(sequence);
    checkpoint.set_entry_hash(std::string(32, static_cast<char>(sequence)));
    checkpoint.mutable_at()->set_seconds(1795428000 + sequence);
    signer_.Sign(checkpoint);
    return checkpoint;
  }
  std::unique_ptr<AuditAnchor> OpenOrDie() {
    absl::StatusOr<std::unique_ptr<AuditAnchor>> anchor =
        AuditAnchor::Open(path());
    EXPECT_TRUE(anchor.ok()) << anchor.status();
    return anchor.ok() ? *std::move(anchor) : nullptr;
  }
  std::optional<consent::v1::AuditCheckpoint> ReadOrDie(AuditAnchor& anchor) {
    absl::StatusOr<std::optional<consent::v1::AuditCheckpoint>> read =
        anchor.Read(keys_);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : std::nullopt;
  }
  void Corrupt(size_t offset) {
    std::fstream file(path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    char byte;
    file.get(byte);
    file.seekp(static_cast<std::streamoff>(offset));
    file.put(static_cast<char>(byte ^ 0x40));
  }
  std::string path() const { return dir_.File("audit-anchor"); }

  testing::TempDir dir_;
  crypto::CheckpointSigner signer_{testing::SecretKeyOf(3)};
  AuditKeys keys_{{signer_.key_id(), signer_.public_key()}};
};

TEST_F(AuditAnchorTest, ANewFileIsPrivateAndHoldsNoCheckpoint) {
  std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
  EXPECT_TRUE(anchor->created());
  struct stat st;
  ASSERT_EQ(stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(ReadOrDie(*anchor).has_value());
}

TEST_F(AuditAnchorTest, TheNewestCheckpointIsReadBackAfterReopening) {
  {
    std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
    ASSERT_FALSE(ReadOrDie(*anchor).has_value());
    for (int64_t sequence = 1; sequence <= 5; ++sequence) {
      ASSERT_TRUE(anchor->Write(Signed(sequence)).ok());
    }
  }
  std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
  EXPECT_FALSE(anchor->created());
  EXPECT_EQ(ReadOrDie(*anchor)->sequence(), 5);
}

TEST_F(AuditAnchorTest, ATornSlotLeavesTheOlderOne) {
  {
    std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
    ASSERT_FALSE(ReadOrDie(*anchor).has_value());
    ASSERT_TRUE(anchor->Write(Signed(1)).ok());  // slot 0
    ASSERT_TRUE(anchor->Write(Signed(2)).ok());  // slot 1
  }
  Corrupt(512 + 20);  // inside slot 1's checkpoint
  std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
  EXPECT_EQ(ReadOrDie(*anchor)->sequence(), 1);
  // The next write replaces the spoilt slot, not the good one.
  ASSERT_TRUE(anchor->Write(Signed(3)).ok());
  anchor.reset();
  Corrupt(20);  // slot 0 (sequence 1)
  EXPECT_EQ(ReadOrDie(*OpenOrDie())->sequence(), 3);
}

TEST_F(AuditAnchorTest, ASecondProcessCannotHoldTheSameAnchor) {
  std::unique_ptr<AuditAnchor> held = OpenOrDie();
  absl::StatusOr<std::unique_ptr<AuditAnchor>> second =
      AuditAnchor::Open(path());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr("in use"));
}

TEST_F(AuditAnchorTest, AnAlteredOrForeignAnchorIsDataLoss) {
  {
    std::unique_ptr<AuditAnchor> anchor = OpenOrDie();
    ASSERT_TRUE(anchor->Replace(Signed(7)).ok());
  }
  crypto::CheckpointSigner other(testing::SecretKeyOf(4));
  absl::StatusOr<std::optional<consent::v1::AuditCheckpoint>> foreign =
      OpenOrDie()->Read({{other.key_id(), other.public_key()}});
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kDataLoss);
  Corrupt(20);
  Corrupt(512 + 20);
  EXPECT_EQ(OpenOrDie()->Read(keys_).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace consentd::core
