// "Forget me": completing an ERASURE request removes the subject's data and
// keeps only the tombstone that keeps them suppressed.
#include <sqlcipher/sqlite3.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/request_fixture.h"
#include "tests/testing/run_program.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;

class ErasureTest : public RequestFixture {
 protected:
  // Consent and an objection on file for the subject's phone and e-mail.
  void RecordSubject() {
    consent::v1::RecordConsentRequest consent = Consent(
        Phone("+386 31 123 456"), consent::v1::COLLECTION_METHOD_RECORDED_CALL);
    *consent.add_identifiers() = Email("forget.me@example.si");
    consent.mutable_evidence()->set_evidence_reference("EVIDENCE-PLAINTEXT-77");
    ASSERT_TRUE(core_->ledger().RecordConsent(kCollector, consent).ok());
    ASSERT_TRUE(
        core_->ledger()
            .RecordObjection(kDialer, Objection(Email("forget.me@example.si"),
                                                "partner-marketing"))
            .ok());
  }

  consent::v1::DataSubjectRequest Open(consent::v1::RequestType type,
                                       const std::string& email) {
    return RequestFixture::Open(type, {Phone("031 123 456"), Email(email)});
  }
};

TEST_F(ErasureTest, AnErasedSubjectIsDeniedErasedForEveryPurpose) {
  RecordSubject();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  for (const char* purpose : {"marketing", "customer-care", "surveys"}) {
    EXPECT_EQ(Decide(CheckOf(Phone("031 123 456"), purpose, "phone")).reason(),
              consent::v1::DECISION_REASON_ERASED)
        << purpose;
    EXPECT_EQ(Decide(CheckOf(Email("Forget.Me@example.si"), purpose, "email"))
                  .reason(),
              consent::v1::DECISION_REASON_ERASED)
        << purpose;
  }
}

TEST_F(ErasureTest, OnlyTheTombstoneRemains) {
  RecordSubject();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  consent::v1::GetRecordResponse record = Record(Email("forget.me@example.si"));
  ASSERT_EQ(record.facts_size(), 1);
  EXPECT_EQ(record.facts(0).kind(), consent::v1::FACT_KIND_ERASURE);
  EXPECT_EQ(record.facts(0).evidence().evidence_reference(),
            request.request_id());
  EXPECT_EQ(core_->index().fact_count(), 2u) << "one tombstone per identifier";
}

TEST_F(ErasureTest, TheRequestKeepsItsDigestsAndDatesButNoPersonalData) {
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  absl::StatusOr<consent::v1::DataSubjectRequest> completed =
      VerifyAndComplete(request.request_id());
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_TRUE(completed->requester_contact().empty());
  EXPECT_FALSE(completed->has_replacement());
  ASSERT_EQ(completed->identifiers_size(), 2);
  for (const auto& identifier : completed->identifiers()) {
    EXPECT_TRUE(identifier.value().empty());
    EXPECT_EQ(identifier.digest().size(), 64u);
  }
  EXPECT_THAT(completed->history().rbegin()->note(), HasSubstr("erased 2"));
}

TEST_F(ErasureTest, OtherRequestsAboutTheSubjectAreScrubbedToo) {
  consent::v1::DataSubjectRequest access =
      Open(consent::v1::REQUEST_TYPE_ACCESS, "forget.me@example.si");
  consent::v1::OpenRequestRequest other;
  other.set_type(consent::v1::REQUEST_TYPE_ACCESS);
  *other.add_identifiers() = Email("someone.else@example.si");
  other.set_requester_contact("someone.else@example.si");
  absl::StatusOr<consent::v1::DataSubjectRequest> unrelated =
      desk().Open(kOfficer1, other);
  ASSERT_TRUE(unrelated.ok());
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(erasure.request_id()).ok());

  consent::v1::DataSubjectRequest scrubbed = *desk().Get(access.request_id());
  EXPECT_TRUE(scrubbed.requester_contact().empty());
  EXPECT_TRUE(scrubbed.identifiers(1).value().empty());
  consent::v1::DataSubjectRequest untouched =
      *desk().Get(unrelated->request_id());
  EXPECT_EQ(untouched.requester_contact(), "someone.else@example.si");
  EXPECT_EQ(untouched.identifiers(0).value(), "someone.else@example.si");
}

TEST_F(ErasureTest, FreeTextAboutTheSubjectLeavesEveryRequestHistory) {
  consent::v1::DataSubjectRequest access =
      Open(consent::v1::REQUEST_TYPE_ACCESS, "forget.me@example.si");
  consent::v1::VerifyIdentityRequest verify;
  verify.set_request_id(access.request_id());
  verify.set_method("called back Ana on 031 123 456");
  ASSERT_TRUE(desk().VerifyIdentity(kOfficer1, verify).ok());
  consent::v1::ExtendRequestRequest extend;
  extend.set_request_id(access.request_id());
  extend.set_months(1);
  extend.set_reason("Ana's files are in the archive");
  ASSERT_TRUE(desk().Extend(kOfficer2, extend).ok());
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(erasure.request_id()).ok());

  for (const std::string& id : {access.request_id(), erasure.request_id()}) {
    consent::v1::DataSubjectRequest kept = *desk().Get(id);
    EXPECT_TRUE(kept.received_via().empty()) << id;
    ASSERT_GE(kept.history_size(), 2) << id;
    for (const consent::v1::RequestEvent& event : kept.history()) {
      // What was done, when and by whom stays; what was written goes (the
      // erasure's own completion note says only what consentd did).
      EXPECT_TRUE(event.has_at());
      EXPECT_FALSE(event.officer().empty());
      EXPECT_NE(event.state(), consent::v1::REQUEST_STATE_UNSPECIFIED);
      if (event.state() != consent::v1::REQUEST_STATE_COMPLETED) {
        EXPECT_EQ(event.note(), "") << id;
      }
    }
  }
  consent::v1::DataSubjectRequest access_kept =
      *desk().Get(access.request_id());
  std::vector<std::string> officers;
  for (const consent::v1::RequestEvent& event : access_kept.history()) {
    officers.push_back(event.officer());
  }
  EXPECT_THAT(officers, ::testing::ElementsAre("dpo-1", "dpo-1", "dpo-2"));
}

TEST_F(ErasureTest, AnErasureSurvivesARestart) {
  RecordSubject();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  Reopen();
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"), "customer-care")).reason(),
            consent::v1::DECISION_REASON_ERASED);
  EXPECT_EQ(Record(Phone("+38631123456")).facts_size(), 1);
}

TEST_F(ErasureTest, OnlySubjectInitiatedConsentBringsTheSubjectBack) {
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  now_ += absl::Hours(24 * 30);
  absl::StatusOr<consent::v1::RecordConsentResponse> bought =
      core_->ledger().RecordConsent(
          kCollector, Consent(Phone("+38631123456"),
                              consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  EXPECT_EQ(bought.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bought.status().message(), HasSubstr("standing erasure"));
  absl::StatusOr<consent::v1::RecordConsentResponse> opted_in =
      core_->ledger().RecordConsent(
          kCollector,
          Consent(Phone("+38631123456"),
                  consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN));
  ASSERT_TRUE(opted_in.ok()) << opted_in.status();
  EXPECT_TRUE(opted_in->lifted_refusal());
}

TEST_F(ErasureTest, CompletingNeedsAVerifiedErasureRequest) {
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(erasure.request_id());
  EXPECT_EQ(desk().Complete(kOfficer2, complete).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ErasureTest, TheOfficerWhoVerifiedCannotAlsoComplete) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(Verify(erasure.request_id()).ok());  // by dpo-1
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(erasure.request_id());
  complete.set_officer("dpo-2");  // typed names do not count
  absl::Status alone = desk().Complete(kOfficer1, complete).status();
  EXPECT_EQ(alone.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(alone.message(), HasSubstr("four eyes"));
  EXPECT_EQ(desk().Get(erasure.request_id())->state(),
            consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  EXPECT_NE(
      Decide(CheckOf(Email("forget.me@example.si"), "customer-care", "email"))
          .reason(),
      consent::v1::DECISION_REASON_ERASED);

  absl::StatusOr<consent::v1::DataSubjectRequest> done =
      desk().Complete(kOfficer2, complete);
  ASSERT_TRUE(done.ok()) << done.status();
  std::vector<std::string> officers;
  for (const consent::v1::RequestEvent& event : done->history()) {
    officers.push_back(event.officer());
  }
  EXPECT_THAT(officers, ::testing::ElementsAre("dpo-1", "dpo-1", "dpo-2"));
}

TEST_F(ErasureTest, AnExtensionDoesNotMakeTheExtenderTheVerifier) {
  RecordSubject();
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(Verify(erasure.request_id()).ok());  // by dpo-1
  consent::v1::ExtendRequestRequest extend;
  extend.set_request_id(erasure.request_id());
  extend.set_months(1);
  extend.set_reason("backups in three systems");
  ASSERT_TRUE(desk().Extend(kOfficer2, extend).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(erasure.request_id());
  EXPECT_EQ(desk().Complete(kOfficer1, complete).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(desk().Complete(kOfficer2, complete).ok());
}

TEST_F(ErasureTest, AnAdminConfirmsErasuresOnly) {
  const access::Caller admin{"admin-1", {access::Role::kAdmin}};
  RecordSubject();
  consent::v1::DataSubjectRequest objection =
      Open(consent::v1::REQUEST_TYPE_OBJECTION, "forget.me@example.si");
  ASSERT_TRUE(Verify(objection.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(objection.request_id());
  EXPECT_EQ(desk().Complete(admin, complete).status().code(),
            absl::StatusCode::kPermissionDenied);
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  complete.set_request_id(erasure.request_id());
  EXPECT_TRUE(desk().Complete(admin, complete).ok());
}

TEST_F(ErasureTest, OneOfficerMayCompleteWhenTheConfigAllowsIt) {
  require_second_officer_ = false;
  Reopen();
  RecordSubject();
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(erasure.request_id());
  EXPECT_TRUE(desk().Complete(kOfficer1, complete).ok());
}

class UnencryptedErasureTest : public ErasureTest {
 protected:
  UnencryptedErasureTest() { unencrypted_store_ = true; }

  // Which of the subject's plaintexts either store file still holds.
  std::vector<std::string> PlaintextLeft() {
    std::vector<std::string> found;
    for (const std::string& file :
         {dir_.File("consentd.db"), dir_.File("consentd.db-wal")}) {
      std::string bytes = testing::ReadFileOrEmpty(file);
      for (const char* secret :
           {"+38631123456", "forget.me@example.si", "write-to-me@example.si",
            "EVIDENCE-PLAINTEXT-77"}) {
        if (bytes.find(secret) != std::string::npos) {
          found.push_back(file + ": " + std::string(secret));
        }
      }
    }
    return found;
  }
};

// A reader of the store's files, as an operator's sqlite shell or a backup
// would be, in the middle of a read: while it reads, the write-ahead log
// (with the old copies of erased rows) cannot be cut.
class FileReader {
 public:
  explicit FileReader(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM facts;", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
  }
  ~FileReader() { Finish(); }
  void Finish() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "COMMIT;", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST_F(UnencryptedErasureTest, NoPlaintextOfTheSubjectIsLeftInTheFiles) {
  RecordSubject();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  // Control: unencrypted, the subject's data is plainly there.
  ASSERT_FALSE(PlaintextLeft().empty());
  ASSERT_TRUE(VerifyAndComplete(request.request_id()).ok());
  EXPECT_THAT(PlaintextLeft(), ::testing::IsEmpty());
}

TEST_F(UnencryptedErasureTest,
       AnUncutLogKeepsTheRequestOpenUntilCompletedAgain) {
  RecordSubject();
  consent::v1::DataSubjectRequest request =
      Open(consent::v1::REQUEST_TYPE_ERASURE, "forget.me@example.si");
  ASSERT_TRUE(Verify(request.request_id()).ok());
  FileReader reader(dir_.File("consentd.db"));

  absl::Status blocked = Complete(request.request_id()).status();
  EXPECT_EQ(blocked.code(), absl::StatusCode::kUnavailable) << blocked;
  consent::v1::DataSubjectRequest open = *desk().Get(request.request_id());
  EXPECT_EQ(open.state(), consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  EXPECT_THAT(open.history().rbegin()->note(),
              ::testing::AllOf(HasSubstr("not completed"),
                               HasSubstr("complete it again")));
  EXPECT_EQ(open.history().rbegin()->officer(), "dpo-2");
  // Suppressed already: the tombstones are in before the cut is tried.
  EXPECT_EQ(Decide(CheckOf(Phone("+38631123456"), "customer-care")).reason(),
            consent::v1::DECISION_REASON_ERASED);
  ASSERT_FALSE(PlaintextLeft().empty()) << "control: the old copies wait";

  reader.Finish();
  absl::StatusOr<consent::v1::DataSubjectRequest> done =
      Complete(request.request_id());
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_THAT(PlaintextLeft(), ::testing::IsEmpty());
  EXPECT_EQ(Record(Email("forget.me@example.si")).facts_size(), 1)
      << "erasing again leaves one tombstone";
  EXPECT_EQ(core_->index().fact_count(), 2u);
}

}  // namespace
}  // namespace consentd::core
