// Backups and restores: an online copy while writes go on, its manifest,
// and a restore that never brings an erased person back.
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "crypto/keyring.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/erasure_journal_file.h"
#include "service/core/store_backup.h"
#include "tests/core/request_fixture.h"
#include "tests/testing/run_program.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

constexpr char kSubjectEmail[] = "forget.me@example.si";
constexpr char kContact[] = "write-to-me@example.si";

class BackupRestoreTest : public RequestFixture {
 protected:
  std::string BackupPath(const std::string& name) const {
    return dir_.File("backups/" + name);
  }

  absl::StatusOr<consent::v1::BackupResponse> Backup(const std::string& name) {
    return core_->Backup(kAdmin, name);
  }

  // Closes the core and opens it again from the backup `name`.
  absl::Status Restore(const std::string& name) {
    core_.reset();
    CoreOptions options = Options();
    options.restore_from = BackupPath(name);
    absl::StatusOr<std::unique_ptr<ConsentCore>> opened =
        ConsentCore::Open(std::move(options));
    if (!opened.ok()) return opened.status();
    core_ = *std::move(opened);
    return absl::OkStatus();
  }

  // Records an objection for `email`, by the dialer.
  void Object(const std::string& email) {
    ASSERT_TRUE(
        core_->ledger().RecordObjection(kDialer, Objection(Email(email))).ok());
  }

  consent::v1::DecisionReason ReasonFor(const consent::v1::Identifier& id) {
    return Decide(CheckOf(id, "customer-care", "email")).reason();
  }

  // The subject on file: consent on their phone and e-mail.
  void RecordSubject() {
    consent::v1::RecordConsentRequest consent = Consent(
        Phone("+386 31 123 456"), consent::v1::COLLECTION_METHOD_RECORDED_CALL,
        consent::v1::CONSENT_ACTION_GRANT, "customer-care", "email");
    *consent.add_identifiers() = Email(kSubjectEmail);
    ASSERT_TRUE(core_->ledger().RecordConsent(kCollector, consent).ok());
  }

  // Stops the core, journals `erasure` as of `erased_at` as the ledger
  // would have before a store that then failed, and starts again.
  void JournalOnly(const consent::v1::DataSubjectRequest& erasure,
                   absl::Time erased_at) {
    core_.reset();
    absl::StatusOr<crypto::Keyring> keyring =
        crypto::Keyring::Load(dir_.File("keyring"));
    ASSERT_TRUE(keyring.ok()) << keyring.status();
    {
      auto journal = ErasureJournalFile::Open(dir_.File("erasure-journal"),
                                              keyring->ErasureJournalKey());
      ASSERT_TRUE(journal.ok()) << journal.status();
      JournalledErasure journalled;
      journalled.erased_us = absl::ToUnixMicros(erased_at);
      journalled.request_id = erasure.request_id();
      for (const auto& identifier : erasure.identifiers()) {
        journalled.digests.push_back(
            *crypto::DigestFromHex(identifier.digest()));
      }
      ASSERT_TRUE((*journal)->Append(journalled).ok());
    }
    Reopen();
  }

  consent::v1::DataSubjectRequest OpenErasure() {
    return Open(consent::v1::REQUEST_TYPE_ERASURE,
                {Phone("031 123 456"), Email(kSubjectEmail)});
  }
};

TEST_F(BackupRestoreTest, ABackupNamesWhatItHoldsAndTheKeyItNeeds) {
  RecordSubject();
  Object("someone@example.si");
  absl::StatusOr<consent::v1::BackupResponse> backup = Backup("nightly-1");
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ(backup->file_name(), "nightly-1");
  EXPECT_EQ(backup->manifest_file_name(), "nightly-1.manifest");
  const consent::v1::BackupManifest& manifest = backup->manifest();
  EXPECT_EQ(manifest.facts(), 3);
  EXPECT_EQ(manifest.database_key_version(), 1);
  EXPECT_EQ(manifest.schema_version(), core_->schema_version());
  EXPECT_GT(manifest.audit_entries(), 0);
  EXPECT_EQ(manifest.bytes(), backup->bytes());
  EXPECT_EQ(manifest.sha256().size(), 64u);
  absl::StatusOr<consent::v1::BackupManifest> read =
      ReadVerifiedManifest(BackupPath("nightly-1"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->sha256(), manifest.sha256());
  EXPECT_EQ(testing::ReadFileOrEmpty(BackupPath("nightly-1.partial")), "");
}

TEST_F(BackupRestoreTest, ANameIsAPlainFileNameAndNeverReused) {
  for (const char* bad : {"", "../escape", "a/b", ".hidden", "sp ace"}) {
    EXPECT_EQ(Backup(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  ASSERT_TRUE(Backup("once").ok());
  absl::Status again = Backup("once").status();
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(BackupRestoreTest, WritesGoOnDuringABackupAndTheCopyIsConsistent) {
  for (int i = 0; i < 300; ++i)
    Object(absl::StrCat("before-", i, "@example.si"));
  std::atomic<int> written{0};
  std::atomic<bool> stop{false};
  absl::Notification started;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if (!core_->ledger()
               .RecordObjection(kDialer, Objection(Email(absl::StrCat(
                                             "during-", i, "@example.si"))))
               .ok()) {
        ADD_FAILURE() << "a write failed during the backup";
        return;
      }
      written = i + 1;
      if (i == 0) started.Notify();
    }
  });
  started.WaitForNotification();
  absl::StatusOr<consent::v1::BackupResponse> backup = Backup("busy");
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup.status();
  const int64_t in_copy = backup->manifest().facts();
  EXPECT_GE(in_copy, 301) << "every write acknowledged before it began";
  EXPECT_LE(in_copy, 300 + written.load());

  ASSERT_TRUE(Restore("busy").ok());
  EXPECT_EQ(static_cast<int64_t>(core_->index().fact_count()), in_copy);
  EXPECT_EQ(ReasonFor(Email("before-299@example.si")),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(BackupRestoreTest, AnErasureAfterTheBackupSurvivesItsRestore) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  ASSERT_TRUE(Backup("before-erasure").ok());
  ASSERT_TRUE(Complete(erasure.request_id()).ok());
  Object("after-the-erasure@example.si");  // lost with the restore

  ASSERT_TRUE(Restore("before-erasure").ok());
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 1);
  for (const consent::v1::Identifier& id :
       {Email(kSubjectEmail), Email("Forget.Me@EXAMPLE.si"),
        Phone("+38631123456"), Phone("031 123 456"),
        Phone("+386 31 123 456")}) {
    EXPECT_EQ(ReasonFor(id), consent::v1::DECISION_REASON_ERASED);
  }
  consent::v1::GetRecordResponse record = Record(Email(kSubjectEmail));
  ASSERT_EQ(record.facts_size(), 1);
  EXPECT_EQ(record.facts(0).kind(), consent::v1::FACT_KIND_ERASURE);
  consent::v1::DataSubjectRequest kept = *desk().Get(erasure.request_id());
  EXPECT_EQ(kept.state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_EQ(kept.history().rbegin()->officer(), "consentd");
  EXPECT_THAT(kept.history().rbegin()->note(), HasSubstr("erasure journal"));
  EXPECT_TRUE(kept.requester_contact().empty());
  EXPECT_NE(ReasonFor(Email("after-the-erasure@example.si")),
            consent::v1::DECISION_REASON_OBJECTION);

  // Once given back, the next start has nothing to do.
  Reopen();
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 0);
  EXPECT_EQ(ReasonFor(Email(kSubjectEmail)),
            consent::v1::DECISION_REASON_ERASED);
}

TEST_F(BackupRestoreTest, AJournalThatLostLinesIsRefusedUnlessRebuilt) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  ASSERT_TRUE(VerifyAndComplete(erasure.request_id()).ok());
  core_.reset();
  // The journal's volume was lost; a new, empty journal appears.
  ASSERT_EQ(unlink(dir_.File("erasure-journal").c_str()), 0);
  absl::StatusOr<std::unique_ptr<ConsentCore>> refused =
      ConsentCore::Open(Options());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("lacks 2 erasure(s) the store holds"));
  EXPECT_THAT(refused.status().message(),
              ::testing::Not(HasSubstr(kSubjectEmail)));

  CoreOptions rebuild = Options();
  rebuild.erasure_journal_rebuild = true;
  absl::StatusOr<std::unique_ptr<ConsentCore>> rebuilt =
      ConsentCore::Open(std::move(rebuild));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ((*rebuilt)->erasure_reconciliation().journalled, 1);
  rebuilt->reset();
  EXPECT_THAT(testing::ReadFileOrEmpty(dir_.File("erasure-journal")),
              HasSubstr(erasure.request_id()));
  Reopen();
  EXPECT_EQ(core_->erasure_reconciliation().journalled, 0);
}

TEST_F(BackupRestoreTest, AReappliedErasureIsCarriedOutOnce) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  ASSERT_TRUE(Backup("verified").ok());
  ASSERT_TRUE(Complete(erasure.request_id()).ok());
  ASSERT_TRUE(Restore("verified").ok());
  // Carried out again once, then completed: a second restart does nothing.
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 1);
  Reopen();
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 0);
  EXPECT_EQ(core_->erasure_reconciliation().skipped, 0);
}

// The journal took an erasure the store then failed to make; the officer
// rejected the request since. The next start leaves the person alone.
TEST_F(BackupRestoreTest, AJournalledErasureWhoseRequestWasRejectedIsLeft) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  consent::v1::RejectRequestRequest reject;
  reject.set_request_id(erasure.request_id());
  reject.set_reason("identity not proven after all");
  ASSERT_TRUE(desk().Reject(kOfficer2, reject).ok());
  ASSERT_NO_FATAL_FAILURE(JournalOnly(erasure, now_));
  EXPECT_EQ(core_->erasure_reconciliation().skipped, 1);
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 0);
  EXPECT_EQ(Record(Email(kSubjectEmail)).facts(0).kind(),
            consent::v1::FACT_KIND_CONSENT_GRANTED);
}

// The journal took an erasure at 11:00 that the store failed to make; at
// 12:00 the person opted in again by their own action. The next start
// erases what was recorded up to 11:00, not the later consent.
TEST_F(BackupRestoreTest, AFactRecordedAfterAJournalledErasureStays) {
  RecordSubject();  // 10:00
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  const absl::Time erased_at = now_ + absl::Hours(1);
  now_ += absl::Hours(2);
  consent::v1::RecordConsentRequest again =
      Consent(Email(kSubjectEmail),
              consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN,
              consent::v1::CONSENT_ACTION_GRANT, "marketing", "email");
  ASSERT_TRUE(core_->ledger().RecordConsent(kCollector, again).ok());
  ASSERT_NO_FATAL_FAILURE(JournalOnly(erasure, erased_at));
  EXPECT_EQ(core_->erasure_reconciliation().reapplied, 1);
  consent::v1::GetRecordResponse record = Record(Email(kSubjectEmail));
  ASSERT_EQ(record.facts_size(), 2);
  EXPECT_EQ(record.facts(0).kind(), consent::v1::FACT_KIND_ERASURE);
  EXPECT_EQ(record.facts(0).recorded_at().seconds(),
            absl::ToUnixSeconds(erased_at));
  EXPECT_EQ(record.facts(1).kind(), consent::v1::FACT_KIND_CONSENT_GRANTED);
  EXPECT_EQ(record.facts(1).evidence().collection_method(),
            consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  // Checks answer from what the store holds, now and after a restart.
  const consent::v1::CheckRequest check =
      CheckOf(Email(kSubjectEmail), "marketing", "email");
  EXPECT_EQ(Decide(check).reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  Reopen();
  EXPECT_EQ(Decide(check).reason(),
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST_F(BackupRestoreTest, RebuildingAJournalThatLacksNothingIsRefused) {
  core_.reset();
  CoreOptions rebuild = Options();
  rebuild.erasure_journal_rebuild = true;
  absl::StatusOr<std::unique_ptr<ConsentCore>> refused =
      ConsentCore::Open(std::move(rebuild));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("remove the flag"));
}

TEST_F(BackupRestoreTest, ADamagedBackupIsRefusedAndTheStoreUntouched) {
  Object("kept@example.si");
  ASSERT_TRUE(Backup("damaged").ok());
  {
    std::fstream file(BackupPath("damaged"),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(5000);
    file.put('\x5a');
  }
  absl::Status restored = Restore("damaged");
  EXPECT_EQ(restored.code(), absl::StatusCode::kDataLoss) << restored;
  EXPECT_THAT(restored.message(), HasSubstr("not the backup its manifest"));
  Reopen();
  EXPECT_EQ(ReasonFor(Email("kept@example.si")),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(BackupRestoreTest, ABackupWithoutItsManifestIsRefused) {
  ASSERT_TRUE(Backup("bare").ok());
  ASSERT_EQ(unlink(BackupPath("bare.manifest").c_str()), 0);
  absl::Status restored = Restore("bare");
  EXPECT_EQ(restored.code(), absl::StatusCode::kNotFound) << restored;
  EXPECT_THAT(restored.message(), HasSubstr("no manifest"));
}

TEST_F(BackupRestoreTest, ABackupUnderAKeyTheKeyringLacksIsRefused) {
  ASSERT_TRUE(Backup("other-key").ok());
  std::string manifest =
      testing::ReadFileOrEmpty(BackupPath("other-key.manifest"));
  const std::string field = "database_key_version: 1";
  ASSERT_NE(manifest.find(field), std::string::npos);
  manifest.replace(manifest.find(field), field.size(),
                   "database_key_version: 7");
  std::ofstream(BackupPath("other-key.manifest"), std::ios::trunc) << manifest;
  absl::Status restored = Restore("other-key");
  EXPECT_EQ(restored.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(restored.message(), HasSubstr("database key version 7"));
}

TEST_F(BackupRestoreTest, TheStoreOfBeforeTheRestoreIsKeptAside) {
  Object("old@example.si");
  ASSERT_TRUE(Backup("b").ok());
  ASSERT_TRUE(Restore("b").ok());
  EXPECT_THAT(core_->restored_aside_dir(),
              ::testing::StartsWith(dir_.File("before-restore-")));
  EXPECT_NE(
      testing::ReadFileOrEmpty(core_->restored_aside_dir() + "/consentd.db"),
      "");
}

class UnencryptedBackupRestoreTest : public BackupRestoreTest {
 protected:
  UnencryptedBackupRestoreTest() { unencrypted_store_ = true; }
};

TEST_F(UnencryptedBackupRestoreTest, NoPlaintextOfAnErasedPersonIsRestored) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure = OpenErasure();
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  ASSERT_TRUE(Backup("before-erasure").ok());
  ASSERT_NE(testing::ReadFileOrEmpty(BackupPath("before-erasure"))
                .find(kSubjectEmail),
            std::string::npos)
      << "control: unencrypted, the backup holds the person";
  ASSERT_TRUE(Complete(erasure.request_id()).ok());

  ASSERT_TRUE(Restore("before-erasure").ok());
  core_.reset();  // the files as a stopped consentd leaves them
  for (const std::string& file :
       {dir_.File("consentd.db"), dir_.File("consentd.db-wal")}) {
    const std::string bytes = testing::ReadFileOrEmpty(file);
    for (const char* secret : {kSubjectEmail, "+38631123456", kContact}) {
      EXPECT_EQ(bytes.find(secret), std::string::npos)
          << file << ": " << secret;
    }
  }
}

}  // namespace
}  // namespace consentd::core
