// RequestFixture: a CoreFixture with the privacy officer's steps
// (open, verify, complete, export) as one-liners for tests of what
// completing a request does.
#ifndef CONSENTD_TESTS_CORE_REQUEST_FIXTURE_H_
#define CONSENTD_TESTS_CORE_REQUEST_FIXTURE_H_

#include <string>
#include <vector>

#include "service/core/request_desk.h"
#include "tests/core/core_fixture.h"

namespace consentd::core {

class RequestFixture : public CoreFixture {
 protected:
  RequestDesk& desk() { return core_->request_desk(); }

  // Opens a request of `type` about `identifiers` (national numbers read as
  // SI), with `replacement` for a RECTIFICATION.
  consent::v1::DataSubjectRequest Open(
      consent::v1::RequestType type,
      const std::vector<consent::v1::Identifier>& identifiers,
      const consent::v1::Identifier* replacement = nullptr) {
    consent::v1::OpenRequestRequest request;
    request.set_type(type);
    for (const consent::v1::Identifier& identifier : identifiers) {
      *request.add_identifiers() = identifier;
    }
    if (replacement != nullptr) *request.mutable_replacement() = *replacement;
    request.set_default_region("SI");
    request.set_received_via("e-mail");
    request.set_requester_contact("write-to-me@example.si");
    absl::StatusOr<consent::v1::DataSubjectRequest> opened =
        desk().Open(kOfficer1, request);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? *opened : consent::v1::DataSubjectRequest();
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> Verify(
      const std::string& id) {
    consent::v1::VerifyIdentityRequest verify;
    verify.set_request_id(id);
    verify.set_method("reply from the registered address");
    return desk().VerifyIdentity(kOfficer1, verify);
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> Complete(
      const std::string& id) {
    consent::v1::CompleteRequestRequest complete;
    complete.set_request_id(id);
    return desk().Complete(kOfficer2, complete);
  }

  absl::StatusOr<consent::v1::DataSubjectRequest> VerifyAndComplete(
      const std::string& id) {
    EXPECT_TRUE(Verify(id).ok());
    return Complete(id);
  }

  absl::StatusOr<consent::v1::ExportSubjectResponse> Export(
      const std::string& id) {
    consent::v1::ExportSubjectRequest request;
    request.set_request_id(id);
    return desk().Export(kOfficer2, request);
  }

  consent::v1::GetRecordResponse Record(const consent::v1::Identifier& id) {
    consent::v1::GetRecordRequest request;
    *request.mutable_identifier() = id;
    request.set_default_region("SI");
    absl::StatusOr<consent::v1::GetRecordResponse> record =
        core_->ledger().GetRecord(kOfficer1, request);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : consent::v1::GetRecordResponse();
  }
};

}  // namespace consentd::core

#endif  // CONSENTD_TESTS_CORE_REQUEST_FIXTURE_H_
