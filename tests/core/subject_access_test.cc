// ACCESS and PORTABILITY: the export of everything held about a subject.
#include <string>

#include "absl/status/status.h"
#include "crypto/sha256.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/core/request_fixture.h"

namespace consentd::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SubjectAccessTest : public RequestFixture {
 protected:
  void SetUp() override {
    RequestFixture::SetUp();
    consent::v1::RecordConsentRequest consent =
        Consent(Email("ana@example.si"),
                consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
    consent.mutable_evidence()->set_notice_version("notice-2026-03");
    consent.mutable_evidence()->set_evidence_reference("form-4411");
    ASSERT_TRUE(core_->ledger().RecordConsent(kCollector, consent).ok());
    ASSERT_TRUE(core_->ledger()
                    .RecordObjection(kDialer,
                                     Objection(Phone("031 123 456"), "surveys"))
                    .ok());
    // Somebody else, who must not appear in Ana's export.
    ASSERT_TRUE(
        core_->ledger()
            .RecordObjection(kDialer, Objection(Email("bor@example.si")))
            .ok());
    consent::v1::ImportListHeader header;
    header.set_name("si-national-dnc");
    header.set_version("2026-11");
    header.set_default_region("SI");
    auto import = core_->list_registry().BeginImport(kListManager, header);
    ASSERT_TRUE(import.ok()) << import.status();
    ASSERT_TRUE((*import)->Add(Phone("031 123 456")).ok());
    ASSERT_TRUE((*import)->Add(Phone("040 999 888")).ok());
    ASSERT_TRUE((*import)->Finish().ok());
  }

  consent::v1::DataSubjectRequest OpenAccess(
      consent::v1::RequestType type = consent::v1::REQUEST_TYPE_ACCESS) {
    return Open(type, {Email("Ana@Example.si"), Phone("+386 31 123 456")});
  }

  // Verifies `request` and exports its subject.
  absl::StatusOr<consent::v1::ExportSubjectResponse> VerifyAndExport(
      const consent::v1::DataSubjectRequest& request) {
    EXPECT_TRUE(Verify(request.request_id()).ok());
    return Export(request.request_id());
  }

  static consent::v1::SubjectExport Parse(const std::string& json) {
    consent::v1::SubjectExport document;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(json, &document).ok());
    return document;
  }
};

TEST_F(SubjectAccessTest, TheExportHoldsFactsEvidenceListsAndRequests) {
  consent::v1::DataSubjectRequest access = OpenAccess();
  absl::StatusOr<consent::v1::ExportSubjectResponse> exported =
      VerifyAndExport(access);
  ASSERT_TRUE(exported.ok()) << exported.status();
  consent::v1::SubjectExport document = Parse(exported->document());
  EXPECT_EQ(document.schema(), "consentd.subject-export.v1");
  EXPECT_EQ(document.request_id(), access.request_id());
  EXPECT_EQ(document.policy_version(), core_->policy()->version());
  ASSERT_EQ(document.records_size(), 2);

  const consent::v1::SubjectRecord& email = document.records(0);
  EXPECT_EQ(email.identifier().value(), "ana@example.si");
  ASSERT_EQ(email.facts_size(), 1);
  EXPECT_EQ(email.facts(0).kind(), consent::v1::FACT_KIND_CONSENT_GRANTED);
  EXPECT_EQ(email.facts(0).purpose(), "marketing");
  EXPECT_EQ(email.facts(0).evidence().notice_version(), "notice-2026-03");
  EXPECT_EQ(email.facts(0).evidence().evidence_reference(), "form-4411");
  EXPECT_TRUE(email.suppression_lists().empty());

  const consent::v1::SubjectRecord& phone = document.records(1);
  EXPECT_EQ(phone.identifier().value(), "+38631123456");
  ASSERT_EQ(phone.facts_size(), 1);
  EXPECT_EQ(phone.facts(0).kind(), consent::v1::FACT_KIND_OBJECTION);
  ASSERT_EQ(phone.suppression_lists_size(), 1);
  EXPECT_EQ(phone.suppression_lists(0).name(), "si-national-dnc");
  EXPECT_EQ(phone.suppression_lists(0).version(), "2026-11");

  ASSERT_EQ(document.requests_size(), 1);
  EXPECT_EQ(document.requests(0).request_id(), access.request_id());
  EXPECT_EQ(exported->document().find("bor@example.si"), std::string::npos);
}

TEST_F(SubjectAccessTest, TheDocumentUsesProtoFieldNamesAndEnumNames) {
  consent::v1::DataSubjectRequest access = OpenAccess();
  ASSERT_TRUE(Verify(access.request_id()).ok());
  std::string json = Export(access.request_id())->document();
  EXPECT_THAT(json, HasSubstr("\"evidence_reference\": \"form-4411\""));
  EXPECT_THAT(json, HasSubstr("\"FACT_KIND_CONSENT_GRANTED\""));
  // Present although empty: consumers need not guess at absent fields.
  EXPECT_THAT(json, HasSubstr("\"confirmed_by\": []"));
}

TEST_F(SubjectAccessTest, EachExportIsNotedWithItsHash) {
  consent::v1::DataSubjectRequest access = OpenAccess();
  absl::StatusOr<consent::v1::ExportSubjectResponse> exported =
      VerifyAndExport(access);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->document_sha256(),
            crypto::DigestHex(crypto::Sha256(exported->document())));
  consent::v1::DataSubjectRequest kept = *desk().Get(access.request_id());
  EXPECT_TRUE(kept.has_exported_at());
  EXPECT_EQ(kept.state(), consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
  EXPECT_EQ(kept.history().rbegin()->officer(), "dpo-2");
  EXPECT_THAT(kept.history().rbegin()->note(),
              HasSubstr(exported->document_sha256()));
  EXPECT_THAT(kept.history().rbegin()->note(),
              HasSubstr("2 identifier(s), 2 fact(s)"));
}

TEST_F(SubjectAccessTest, CompletingNeedsAnExportFirst) {
  for (consent::v1::RequestType type :
       {consent::v1::REQUEST_TYPE_ACCESS,
        consent::v1::REQUEST_TYPE_PORTABILITY}) {
    consent::v1::DataSubjectRequest request = OpenAccess(type);
    ASSERT_TRUE(Verify(request.request_id()).ok());
    absl::StatusOr<consent::v1::DataSubjectRequest> early =
        Complete(request.request_id());
    EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(early.status().message(), HasSubstr("not been exported"));
    ASSERT_TRUE(Export(request.request_id()).ok());
    absl::StatusOr<consent::v1::DataSubjectRequest> done =
        Complete(request.request_id());
    ASSERT_TRUE(done.ok()) << done.status();
    EXPECT_EQ(done->state(), consent::v1::REQUEST_STATE_COMPLETED);
    // A lost copy can be produced again.
    EXPECT_TRUE(Export(request.request_id()).ok());
  }
}

TEST_F(SubjectAccessTest, OnlyVerifiedAccessRequestsAreExported) {
  consent::v1::DataSubjectRequest unverified = OpenAccess();
  EXPECT_EQ(Export(unverified.request_id()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE, {Email("ana@example.si")});
  ASSERT_TRUE(Verify(erasure.request_id()).ok());
  EXPECT_EQ(Export(erasure.request_id()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Export("dsr-none").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(desk().Get(unverified.request_id())->has_exported_at());
}

TEST_F(SubjectAccessTest, AfterAnErasureOnlyTheErasureAndItsDateRemain) {
  consent::v1::DataSubjectRequest erasure =
      Open(consent::v1::REQUEST_TYPE_ERASURE,
           {Email("ana@example.si"), Phone("031 123 456")});
  ASSERT_TRUE(VerifyAndComplete(erasure.request_id()).ok());
  now_ += absl::Hours(24 * 31);
  consent::v1::DataSubjectRequest access = OpenAccess();
  absl::StatusOr<consent::v1::ExportSubjectResponse> exported =
      VerifyAndExport(access);
  ASSERT_TRUE(exported.ok()) << exported.status();
  consent::v1::SubjectExport document = Parse(exported->document());
  for (const consent::v1::SubjectRecord& record : document.records()) {
    ASSERT_EQ(record.facts_size(), 1) << record.identifier().digest();
    EXPECT_EQ(record.facts(0).kind(), consent::v1::FACT_KIND_ERASURE);
    EXPECT_EQ(record.facts(0).evidence().evidence_reference(),
              erasure.request_id());
    EXPECT_EQ(record.facts(0).occurred_at().seconds(),
              absl::ToUnixSeconds(now_ - absl::Hours(24 * 31)));
  }
  EXPECT_THAT(exported->document(), Not(HasSubstr("form-4411")));
  ASSERT_EQ(document.requests_size(), 2);
  const consent::v1::DataSubjectRequest& erased = document.requests(0);
  EXPECT_EQ(erased.request_id(), erasure.request_id());
  EXPECT_EQ(erased.state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_TRUE(erased.requester_contact().empty());
  for (const auto& identifier : erased.identifiers()) {
    EXPECT_TRUE(identifier.value().empty());
  }
}

TEST_F(SubjectAccessTest, ARequestsHistoryIsBoundedButCanAlwaysBeClosed) {
  consent::v1::DataSubjectRequest access = OpenAccess();
  ASSERT_TRUE(VerifyAndExport(access).ok());  // three steps so far
  // The last place is kept for the closing step.
  for (int step = 3; step < kMaxHistoryEvents - 1; ++step) {
    ASSERT_TRUE(Export(access.request_id()).ok()) << step;
  }
  absl::Status full = Export(access.request_id()).status();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("history holds"));
  absl::StatusOr<consent::v1::DataSubjectRequest> closed =
      Complete(access.request_id());
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->history_size(), kMaxHistoryEvents);
}

}  // namespace
}  // namespace consentd::core
