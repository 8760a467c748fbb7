// Rotating the keyring's keys under a running store: a new database key
// re-encrypts every record online (Rekey), a new signing key signs what
// comes next while the old public keys still verify what they signed, and
// the blind-index key can never change under a store.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "crypto/keyring.h"
#include "crypto/receipt_signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/audit_entries.h"
#include "tests/core/request_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class KeyRotationTest : public RequestFixture {
 protected:
  std::string KeyringPath() const { return dir_.File("keyring"); }

  std::string ReadKeyring() const {
    std::ifstream in(KeyringPath());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void WriteKeyring(const std::string& text) const {
    std::ofstream(KeyringPath(), std::ios::trunc) << text;
    std::filesystem::permissions(KeyringPath(),
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
  }

  // A record of every kind the store keeps: facts, a list, a request, a
  // receipt (and their audit entries).
  std::string RecordEverything() {
    EXPECT_TRUE(core_->ledger()
                    .RecordObjection(kDialer, Objection(Email("a@example.si")))
                    .ok());
    ImportList("si-dnc", "2026-12", "listed@example.si");
    Open(consent::v1::REQUEST_TYPE_ACCESS, {Email("a@example.si")});
    consent::v1::ScrubHeader scrub;
    scrub.set_purpose("marketing");
    scrub.set_channel("email");
    scrub.set_list_name("leads.csv");
    auto session = core_->scrubber().Begin(scrub, kCampaign);
    EXPECT_TRUE(session.ok());
    consent::v1::ScrubRows rows;
    consent::v1::ScrubRow* row = rows.add_rows();
    row->set_row_id("1");
    *row->add_identifiers() = Email("listed@example.si");
    consent::v1::ScrubRowResults results;
    EXPECT_TRUE((*session)->Decide(rows, &results).ok());
    absl::StatusOr<consent::v1::ScrubReceipt> receipt = (*session)->Finish();
    EXPECT_TRUE(receipt.ok());
    return receipt.ok() ? receipt->receipt_id() : "";
  }

  // Everything RecordEverything kept is there, and the trail verifies.
  void ExpectEverything(const std::string& receipt_id) {
    EXPECT_EQ(
        Decide(CheckOf(Email("a@example.si"), "marketing", "email")).reason(),
        consent::v1::DECISION_REASON_OBJECTION);
    EXPECT_EQ(Record(Email("a@example.si")).facts_size(), 1);
    EXPECT_EQ(core_->list_registry().Describe()->lists_size(), 1);
    consent::v1::ListRequestsRequest list;
    EXPECT_EQ(desk().List(list)->requests_size(), 1);
    EXPECT_TRUE(core_->scrubber().Receipt(receipt_id).ok());
    absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
        core_->audit_notary().Verify();
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->intact()) << verified->problem();
  }
};

TEST_F(KeyRotationTest, RekeyReEncryptsEveryRecordOnline) {
  const std::string receipt_id = RecordEverything();
  const std::string first_keyring = ReadKeyring();
  ASSERT_EQ(
      *crypto::Keyring::AddKey(KeyringPath(), crypto::Keyring::Kind::kDatabase),
      2);
  Reopen();
  // The store still opens under its old key until rekeyed.
  EXPECT_EQ(core_->database_key_version(), 1);
  EXPECT_EQ(core_->newest_database_key_version(), 2);

  absl::StatusOr<consent::v1::RekeyResponse> rekeyed = core_->Rekey(kAdmin, 0);
  ASSERT_TRUE(rekeyed.ok()) << rekeyed.status();
  EXPECT_EQ(rekeyed->database_key_version(), 2);
  EXPECT_EQ(rekeyed->previous_database_key_version(), 1);
  EXPECT_EQ(core_->database_key_version(), 2);
  ExpectEverything(receipt_id);
  // Writes go on under the new key.
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("b@example.si")))
                  .ok());
  absl::StatusOr<std::vector<consent::v1::AuditEntry>> entries =
      ReadAuditEntries(core_->audit_trail(), 1, kAuditEntriesPerPage);
  ASSERT_TRUE(entries.ok());
  bool audited = false;
  for (const consent::v1::AuditEntry& entry : *entries) {
    if (entry.action() == "keys.rekeyed") {
      audited = entry.actor() == kAdmin.principal;
    }
  }
  EXPECT_TRUE(audited);
  // Asking again changes nothing.
  EXPECT_EQ(core_->Rekey(kAdmin, 2)->previous_database_key_version(), 2);
  EXPECT_EQ(core_->Rekey(kAdmin, 7).status().code(),
            absl::StatusCode::kNotFound);
  // Never back onto a key being retired.
  EXPECT_EQ(core_->Rekey(kAdmin, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);

  Reopen();
  EXPECT_EQ(core_->database_key_version(), 2);
  ExpectEverything(receipt_id);

  // The keyring without the new key no longer opens the store.
  core_.reset();
  WriteKeyring(first_keyring);
  absl::StatusOr<std::unique_ptr<ConsentCore>> old =
      ConsentCore::Open(Options());
  EXPECT_EQ(old.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(old.status().message(), HasSubstr("wrong key"));
}

TEST_F(KeyRotationTest, ANewSigningKeySignsWhileOldKeysStillVerify) {
  const std::string old_receipt_id = RecordEverything();
  const std::string old_key_id = core_->scrubber().receipt_key().key_id();
  ASSERT_EQ(
      *crypto::Keyring::AddKey(KeyringPath(), crypto::Keyring::Kind::kSigning),
      2);
  // The anchor and checkpoints signed with the old key still verify.
  Reopen();
  EXPECT_EQ(core_->signing_key_version(), 2);
  const std::string new_receipt_id = RecordEverything();
  absl::StatusOr<consent::v1::ScrubReceipt> old_receipt =
      core_->scrubber().Receipt(old_receipt_id);
  absl::StatusOr<consent::v1::ScrubReceipt> new_receipt =
      core_->scrubber().Receipt(new_receipt_id);
  ASSERT_TRUE(old_receipt.ok() && new_receipt.ok());
  EXPECT_EQ(old_receipt->key_id(), old_key_id);
  EXPECT_NE(new_receipt->key_id(), old_key_id);
  EXPECT_EQ(new_receipt->key_id(), core_->scrubber().receipt_key().key_id());
  absl::StatusOr<consent::v1::ReceiptKey> old_key =
      core_->scrubber().ReceiptKey(old_key_id);
  ASSERT_TRUE(old_key.ok());
  EXPECT_TRUE(crypto::VerifyReceipt(*old_receipt, *old_key).ok());
  EXPECT_TRUE(
      crypto::VerifyReceipt(*new_receipt, core_->scrubber().receipt_key())
          .ok());
  absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
      core_->audit_notary().Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact()) << verified->problem();
  EXPECT_GE(verified->checkpoints_verified(), 2);
}

TEST_F(KeyRotationTest, AKeyringWithAnotherIndexKeyIsRefused) {
  RecordEverything();
  ASSERT_TRUE(
      crypto::Keyring::AddKey(KeyringPath(), crypto::Keyring::Kind::kDatabase)
          .ok());
  Reopen();
  ASSERT_TRUE(core_->Rekey(kAdmin, 0).ok());
  core_.reset();
  // Another master key with the store's database key: the store opens, but
  // every digest would be computed under another index key.
  std::string text = ReadKeyring();
  const size_t master = text.find("master ") + 7;
  text.replace(master, 64, std::string(64, 'a'));
  WriteKeyring(text);
  absl::StatusOr<std::unique_ptr<ConsentCore>> swapped =
      ConsentCore::Open(Options());
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(swapped.status().message(), HasSubstr("blind-index key"));
}

}  // namespace
}  // namespace consentd::core
