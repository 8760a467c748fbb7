// The audit trail end to end in the core: what each change and request step
// appends, and every kind of tampering with the store's files found out,
// either by VerifyAudit (naming the first bad entry) or at start-up.
#include <sqlcipher/sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "base/status_macros.h"
#include "crypto/audit_chain.h"
#include "crypto/checkpoint_signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/audit_entries.h"
#include "service/core/audit_verifier.h"
#include "service/store/sqlcipher_store.h"
#include "tests/core/request_fixture.h"
#include "tests/testing/temp_dir.h"

namespace consentd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AuditTrailTest : public RequestFixture {
 protected:
  // The files are unencrypted so that the tests can tamper with them.
  AuditTrailTest() { unencrypted_store_ = true; }

  std::vector<consent::v1::AuditEntry> Entries() {
    absl::StatusOr<std::vector<consent::v1::AuditEntry>> entries =
        ReadAuditEntries(core_->audit_trail(), 1, kAuditEntriesPerPage);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<consent::v1::AuditEntry>();
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> actions;
    for (const consent::v1::AuditEntry& entry : Entries()) {
      actions.push_back(entry.action());
    }
    return actions;
  }

  consent::v1::VerifyAuditResponse Verify() {
    absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
        core_->audit_notary().Verify();
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? *verified : consent::v1::VerifyAuditResponse();
  }

  // Six audited writes: a grant, then an objection, of three new people.
  void SixWrites() {
    for (int i = 0; i < 3; ++i) {
      const std::string email =
          "person" + std::to_string(people_++) + "@example.si";
      absl::StatusOr<consent::v1::RecordConsentResponse> granted =
          core_->ledger().RecordConsent(
              kCollector,
              Consent(Email(email), consent::v1::COLLECTION_METHOD_VERBAL,
                      consent::v1::CONSENT_ACTION_GRANT, "surveys", "email"));
      ASSERT_TRUE(granted.ok()) << granted.status();
      ASSERT_TRUE(core_->ledger()
                      .RecordObjection(kDialer, Objection(Email(email)))
                      .ok());
    }
  }

  std::string StorePath() const { return dir_.File("consentd.db"); }

  // Runs SQL on the closed store's file.
  void Tamper(const std::string& sql) {
    core_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(StorePath().c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  // Verifies the closed store's files directly, with this core's audit key
  // and the anchor it last wrote.
  consent::v1::VerifyAuditResponse VerifyFiles(
      const std::optional<consent::v1::AuditCheckpoint>& anchor) {
    absl::StatusOr<std::unique_ptr<store::SqlcipherStore>> store =
        store::SqlcipherStore::OpenUnencryptedForTesting(StorePath());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return {};
    absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
        VerifyAuditTrail((*store)->audit(), keys_, anchor);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? *verified : consent::v1::VerifyAuditResponse();
  }

  // Closes the core, keeping what a verifier needs.
  std::optional<consent::v1::AuditCheckpoint> Close() {
    keys_ = core_->audit_notary().keys();
    core_.reset();
    absl::StatusOr<std::unique_ptr<AuditAnchor>> anchor =
        AuditAnchor::Open(dir_.File("audit-anchor"));
    EXPECT_TRUE(anchor.ok());
    absl::StatusOr<std::optional<consent::v1::AuditCheckpoint>> read =
        (*anchor)->Read(keys_);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : std::nullopt;
  }

  absl::Status TryReopen(bool reanchor = false) {
    core_.reset();
    CoreOptions options = Options();
    options.audit_reanchor = reanchor;
    absl::StatusOr<std::unique_ptr<ConsentCore>> opened =
        ConsentCore::Open(std::move(options));
    if (!opened.ok()) return opened.status();
    core_ = *std::move(opened);
    return absl::OkStatus();
  }

  AuditKeys keys_;
  int people_ = 0;
};

TEST_F(AuditTrailTest, EveryChangeAndRequestStepIsAuditedByItsCaller) {
  ASSERT_TRUE(core_->ledger()
                  .RecordObjection(kDialer, Objection(Email("a@example.si")))
                  .ok());
  ImportList("si-dnc", "2026-12", "listed@example.si");
  ASSERT_TRUE(core_->list_registry().Drop(kListManager, "si-dnc").ok());
  ASSERT_TRUE(core_->list_registry().Drop(kOfficer1, "si-dnc")->dropped());
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, {Email("a@example.si")});
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());

  std::vector<consent::v1::AuditEntry> entries = Entries();
  std::vector<std::string> actions;
  for (const auto& entry : entries) actions.push_back(entry.action());
  EXPECT_THAT(
      actions,
      ElementsAre("fact.objection", "list.published", "list.drop_asked",
                  "list.dropped", "request.opened", "request.identity_verified",
                  "request.scrubbed", "subject.erased", "request.completed"));
  EXPECT_EQ(entries[0].actor(), kDialer.principal);
  EXPECT_EQ(entries[0].role(), "dialer");
  EXPECT_THAT(entries[0].object_ids(), ElementsAre("fact:1"));
  EXPECT_THAT(entries[1].object_ids(), ElementsAre("list:si-dnc@2026-12"));
  EXPECT_EQ(entries[2].actor(), kListManager.principal);
  EXPECT_EQ(entries[3].actor(), kOfficer1.principal);
  EXPECT_EQ(entries[7].actor(), kOfficer2.principal);
  EXPECT_EQ(entries[7].role(), "privacy_officer");
  // The subject appears by digest, the same in every entry about them, and
  // no entry holds the address itself.
  const std::string digest = request.identifiers(0).digest();
  EXPECT_THAT(entries[0].subject_digests(), ElementsAre(digest));
  EXPECT_THAT(entries[7].subject_digests(), ElementsAre(digest));
  for (const consent::v1::AuditEntry& entry : entries) {
    EXPECT_FALSE(absl::StrContains(entry.DebugString(), "a@example.si"));
  }
  EXPECT_TRUE(Verify().intact()) << Verify().problem();
  EXPECT_EQ(Verify().entries_verified(), 9);

  // Reading a whole record is audited too.
  Record(Email("a@example.si"));
  EXPECT_EQ(Entries().back().action(), "record.read");
  EXPECT_EQ(Entries().back().actor(), kOfficer1.principal);
  EXPECT_THAT(Entries().back().subject_digests(), ElementsAre(digest));
}

TEST_F(AuditTrailTest, EntriesSurviveTheErasureOfTheirSubject) {
  SixWrites();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, {Email("person1@example.si")});
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  std::vector<consent::v1::AuditEntry> entries = Entries();
  ASSERT_GE(entries.size(), 6u);
  EXPECT_EQ(entries[2].action(), "fact.consent_granted");
  EXPECT_THAT(entries[2].subject_digests(),
              ElementsAre(request.identifiers(0).digest()));
  Reopen();
  EXPECT_TRUE(Verify().intact()) << Verify().problem();
}

TEST_F(AuditTrailTest, AnEditedEntryIsNamed) {
  SixWrites();
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  Tamper("UPDATE audit_entries SET actor = 'someone-else' WHERE sequence = 3;");
  consent::v1::VerifyAuditResponse verified = VerifyFiles(anchor);
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_bad_sequence(), 3);
  EXPECT_THAT(verified.problem(), HasSubstr("altered"));
  // The store still opens (its head matches the anchor); VerifyAudit says.
  ASSERT_TRUE(TryReopen().ok());
  EXPECT_EQ(Verify().first_bad_sequence(), 3);
}

TEST_F(AuditTrailTest, ADeletedEntryIsNamed) {
  SixWrites();
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  Tamper("DELETE FROM audit_entries WHERE sequence = 4;");
  consent::v1::VerifyAuditResponse verified = VerifyFiles(anchor);
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_bad_sequence(), 4);
  EXPECT_THAT(verified.problem(), HasSubstr("missing"));
}

TEST_F(AuditTrailTest, ReorderedEntriesAreNamed) {
  SixWrites();
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  Tamper(
      "UPDATE audit_entries SET sequence = -4 WHERE sequence = 4;"
      "UPDATE audit_entries SET sequence = 4 WHERE sequence = 3;"
      "UPDATE audit_entries SET sequence = 3 WHERE sequence = -4;");
  consent::v1::VerifyAuditResponse verified = VerifyFiles(anchor);
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_bad_sequence(), 3);
  EXPECT_THAT(verified.problem(), HasSubstr("removed or reordered"));
}

TEST_F(AuditTrailTest, ARewrittenChainFailsItsSignedCheckpoint) {
  SixWrites();
  // A checkpoint at entry 6, then six more entries.
  ASSERT_TRUE(core_->audit_notary().Checkpoint().ok());
  SixWrites();
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  // Someone holding the database key edits entry 8 and recomputes every
  // hash after it: the chain is consistent again, but not with what was
  // signed.
  {
    absl::StatusOr<std::unique_ptr<store::SqlcipherStore>> store =
        store::SqlcipherStore::OpenUnencryptedForTesting(StorePath());
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<store::AuditRecord> entries;
    ASSERT_TRUE((*store)
                    ->audit()
                    .ScanEntries(1, 100,
                                 [&](const store::AuditRecord& entry) {
                                   entries.push_back(entry);
                                   return absl::OkStatus();
                                 })
                    .ok());
    ASSERT_EQ(entries.size(), 12u);
    std::string sql =
        "UPDATE audit_entries SET actor = 'someone-else' "
        "WHERE sequence = 8;";
    entries[7].actor = "someone-else";
    crypto::Digest previous = entries[6].entry_hash;
    for (size_t i = 7; i < entries.size(); ++i) {
      const crypto::Digest hash =
          crypto::AuditEntryHash(previous, entries[i].Fields());
      sql += "UPDATE audit_entries SET previous_hash = x'" +
             crypto::DigestHex(previous) + "', entry_hash = x'" +
             crypto::DigestHex(hash) +
             "' WHERE sequence = " + std::to_string(entries[i].sequence) + ";";
      previous = hash;
    }
    store->reset();
    Tamper(sql);
  }
  consent::v1::VerifyAuditResponse verified = VerifyFiles(anchor);
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_bad_sequence(), 7);
  EXPECT_THAT(verified.problem(), HasSubstr("entries after 6 were rewritten"));
  // Nor does the store open: its head no longer matches the anchor.
  absl::Status reopened = TryReopen();
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("replaced or rewritten"));
}

TEST_F(AuditTrailTest, ATruncatedTrailIsRefusedAtStartUp) {
  SixWrites();
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  Tamper(
      "DELETE FROM audit_entries WHERE sequence > 4;"
      "DELETE FROM audit_checkpoints WHERE sequence > 4;");
  consent::v1::VerifyAuditResponse verified = VerifyFiles(anchor);
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_bad_sequence(), 5);
  absl::Status reopened = TryReopen();
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("ends at entry 4 but its anchor"));
}

TEST_F(AuditTrailTest, AStoreRolledBackToAnOlderCopyIsRefused) {
  SixWrites();
  core_.reset();
  std::filesystem::copy_file(StorePath(), dir_.File("old-copy.db"));
  Reopen();
  SixWrites();
  core_.reset();
  std::filesystem::copy_file(dir_.File("old-copy.db"), StorePath(),
                             std::filesystem::copy_options::overwrite_existing);
  absl::Status reopened = TryReopen();
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("rolled back"));
  EXPECT_THAT(reopened.message(), HasSubstr("--audit-reanchor"));
}

TEST_F(AuditTrailTest, AStoreThatLostItsWriteAheadLogIsRefused) {
  SixWrites();
  Reopen();  // the main file now holds the six writes
  SixWrites();
  // The newer writes are only in the WAL: a copy of the main file alone is
  // the store without its WAL.
  std::filesystem::copy_file(StorePath(), dir_.File("main-only.db"));
  core_.reset();
  std::filesystem::copy_file(dir_.File("main-only.db"), StorePath(),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(StorePath() + "-wal");
  absl::Status reopened = TryReopen();
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("write-ahead log"));
}

TEST_F(AuditTrailTest, AMissingAnchorIsRefusedAndReanchoringIsAudited) {
  SixWrites();
  core_.reset();
  std::filesystem::remove(dir_.File("audit-anchor"));
  absl::Status reopened = TryReopen();
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("missing"));

  ASSERT_TRUE(TryReopen(/*reanchor=*/true).ok());
  EXPECT_EQ(Actions().back(), "audit.reanchored");
  EXPECT_TRUE(Verify().intact()) << Verify().problem();
  // From now on the store opens as usual.
  ASSERT_TRUE(TryReopen().ok());
}

TEST_F(AuditTrailTest, AnEmptyStoreStartsItsAnchorAndAnOldOneKeepsIt) {
  EXPECT_TRUE(Entries().empty());
  std::optional<consent::v1::AuditCheckpoint> anchor = Close();
  ASSERT_TRUE(anchor.has_value());
  EXPECT_EQ(anchor->sequence(), 0);
  Reopen();
  SixWrites();
  anchor = Close();
  ASSERT_TRUE(anchor.has_value());
  EXPECT_EQ(anchor->sequence(), 6);
  Reopen();
  EXPECT_EQ(Entries().size(), 6u);
  consent::v1::VerifyAuditResponse verified = Verify();
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_GE(verified.checkpoints_verified(), 1);
}

// A trail whose head, read first, is two entries behind: as when entries
// and a checkpoint are appended while a verification runs.
class TrailGrowingDuringVerify final : public store::AuditTrail {
 public:
  explicit TrailGrowingDuringVerify(store::AuditTrail* inner) : inner_(inner) {}
  absl::StatusOr<int64_t> Append(const store::AuditDraft& draft) override {
    return inner_->Append(draft);
  }
  absl::Status ScanEntries(
      int64_t from, int64_t limit,
      absl::FunctionRef<absl::Status(const store::AuditRecord&)> visit)
      override {
    return inner_->ScanEntries(from, limit, visit);
  }
  absl::StatusOr<store::AuditHead> Head() override {
    ASSIGN_OR_RETURN(store::AuditHead head, inner_->Head());
    if (heads_read_++ > 0) return head;
    store::AuditHead earlier;
    earlier.sequence = head.sequence - 2;
    RETURN_IF_ERROR(inner_->ScanEntries(earlier.sequence, 1,
                                        [&](const store::AuditRecord& entry) {
                                          earlier.entry_hash = entry.entry_hash;
                                          return absl::OkStatus();
                                        }));
    return earlier;
  }
  absl::Status SaveCheckpoint(
      const consent::v1::AuditCheckpoint& checkpoint) override {
    return inner_->SaveCheckpoint(checkpoint);
  }
  absl::StatusOr<consent::v1::AuditCheckpoint> Checkpoint(
      int64_t sequence) override {
    return inner_->Checkpoint(sequence);
  }
  absl::Status ScanCheckpoints(
      int64_t from, int64_t to,
      absl::FunctionRef<absl::Status(const consent::v1::AuditCheckpoint&)>
          visit) override {
    return inner_->ScanCheckpoints(from, to, visit);
  }
  void SetWitness(store::AuditWitness* witness) override {
    inner_->SetWitness(witness);
  }

 private:
  store::AuditTrail* const inner_;
  int heads_read_ = 0;
};

TEST_F(AuditTrailTest, ACheckpointKeptDuringAVerificationIsNoTampering) {
  SixWrites();
  ASSERT_TRUE(core_->audit_notary().Checkpoint().ok());  // at entry 6
  TrailGrowingDuringVerify growing(&core_->audit_trail());
  absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
      VerifyAuditTrail(growing, core_->audit_notary().keys(), std::nullopt);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->intact()) << verified->problem();
  EXPECT_EQ(verified->entries_verified(), 4);
}

TEST_F(AuditTrailTest, ACheckpointForAnotherEntryThanItIsKeptUnderIsDataLoss) {
  SixWrites();
  absl::StatusOr<consent::v1::AuditCheckpoint> checkpoint =
      core_->audit_notary().Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  Close();
  Tamper("UPDATE audit_checkpoints SET sequence = 3 WHERE sequence = 6;");
  absl::StatusOr<std::unique_ptr<store::SqlcipherStore>> store =
      store::SqlcipherStore::OpenUnencryptedForTesting(StorePath());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->audit().Checkpoint(3).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(AuditTrailTest, ReanchoringAStoreThatMatchesIsRefused) {
  SixWrites();
  absl::Status reopened = TryReopen(/*reanchor=*/true);
  EXPECT_EQ(reopened.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reopened.message(), HasSubstr("remove the flag"));
}

TEST(AuditVerifierTest, PageBoundariesAreVerifiedLikeAnyOtherEntry) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<store::SqlcipherStore>> opened =
      store::SqlcipherStore::OpenUnencryptedForTesting(dir.File("store.db"));
  ASSERT_TRUE(opened.ok()) << opened.status();
  store::SqlcipherStore& store = **opened;
  // 2,005 entries in one transaction: the verifier reads 1,000 a page.
  std::vector<store::AuditDraft> drafts(2005);
  for (size_t i = 0; i < drafts.size(); ++i) {
    drafts[i].actor = "tester";
    drafts[i].action = "test." + std::to_string(i);
  }
  ASSERT_TRUE(store.facts().AppendFacts({}, drafts, {}).ok());
  const crypto::CheckpointSigner signer(crypto::SecretKey{});
  const AuditKeys keys{{signer.key_id(), signer.public_key()}};
  for (int64_t sequence : {1000, 1001, 2000}) {
    store::AuditRecord entry;
    ASSERT_TRUE(store.audit()
                    .ScanEntries(sequence, 1,
                                 [&](const store::AuditRecord& e) {
                                   entry = e;
                                   return absl::OkStatus();
                                 })
                    .ok());
    consent::v1::AuditCheckpoint checkpoint;
    checkpoint.set_sequence(sequence);
    checkpoint.set_entry_hash(
        std::string(crypto::DigestBytes(entry.entry_hash)));
    signer.Sign(checkpoint);
    ASSERT_TRUE(store.audit().SaveCheckpoint(checkpoint).ok());
  }
  absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
      VerifyAuditTrail(store.audit(), keys, std::nullopt);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact()) << verified->problem();
  EXPECT_EQ(verified->entries_verified(), 2005);
  EXPECT_EQ(verified->checkpoints_verified(), 3);

  for (int64_t missing : {1000, 1001}) {
    SCOPED_TRACE(missing);
    testing::TempDir copy_dir;
    opened->reset();
    std::filesystem::copy_file(dir.File("store.db"), copy_dir.File("store.db"));
    opened =
        store::SqlcipherStore::OpenUnencryptedForTesting(dir.File("store.db"));
    ASSERT_TRUE(opened.ok());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(copy_dir.File("store.db").c_str(), &db), SQLITE_OK);
    const std::string sql =
        "DELETE FROM audit_entries WHERE sequence = " + std::to_string(missing);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    absl::StatusOr<std::unique_ptr<store::SqlcipherStore>> tampered =
        store::SqlcipherStore::OpenUnencryptedForTesting(
            copy_dir.File("store.db"));
    ASSERT_TRUE(tampered.ok());
    verified = VerifyAuditTrail((*tampered)->audit(), keys, std::nullopt);
    ASSERT_TRUE(verified.ok());
    EXPECT_FALSE(verified->intact());
    EXPECT_EQ(verified->first_bad_sequence(), missing);
    EXPECT_THAT(verified->problem(), HasSubstr("missing"));
  }
}

}  // namespace
}  // namespace consentd::core
