// Issue #20's story, end to end against a real consentd:
//
//   The nightly backup runs at 02:00. At 10:00 Maja's erasure request is
//   completed: she is forgotten. At 14:00 the disk holding the store dies,
//   and the operator restores last night's backup, which still holds Maja.
//   She stays forgotten: consentd carries her erasure out again from the
//   erasure journal, which lives outside the database, before it serves a
//   single call, and every check of her, in any format, says ERASED.
#include <optional>
#include <string>
#include <vector>

#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/running_consentd.h"

namespace consentd {
namespace {

using testing::Email;
using ::testing::HasSubstr;
using testing::Phone;

constexpr char kEmail[] = "maja.kovac@example.si";
constexpr char kPhone[] = "+386 41 555 012";

class RestoreKeepsErasuresScenario : public testing::RunningConsentd {
 protected:
  void SetUp() override {
    RunningConsentd::SetUp();
    if (HasFatalFailure()) return;
    client_.emplace(server_->address());
  }

  consent::v1::DecisionReason ReasonFor(const consent::v1::Identifier& id,
                                        const std::string& channel) {
    consent::v1::CheckRequest check;
    *check.add_identifiers() = id;
    check.set_default_region("SI");
    check.set_purpose("customer-care");
    check.set_channel(channel);
    absl::StatusOr<consent::v1::CheckResponse> answer = client_->Check(check);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? answer->decision().reason()
                       : consent::v1::DECISION_REASON_UNSPECIFIED;
  }

  std::optional<client::ConsentClient> client_;
};

TEST_F(RestoreKeepsErasuresScenario, AnErasedPersonStaysErasedAfterARestore) {
  // Maja is a customer: consent for customer care.
  consent::v1::RecordConsentRequest consent;
  *consent.add_identifiers() = Phone(kPhone);
  *consent.add_identifiers() = Email(kEmail);
  consent.set_purpose("customer-care");
  consent.set_action(consent::v1::CONSENT_ACTION_GRANT);
  consent.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  ASSERT_TRUE(client_->RecordConsent(consent).ok());
  consent::v1::OpenRequestRequest open;
  open.set_type(consent::v1::REQUEST_TYPE_ERASURE);
  *open.add_identifiers() = Email(kEmail);
  *open.add_identifiers() = Phone(kPhone);
  open.set_default_region("SI");
  open.set_requester_contact(kEmail);
  absl::StatusOr<consent::v1::DataSubjectRequest> erasure =
      client_->OpenRequest(open);
  ASSERT_TRUE(erasure.ok()) << erasure.status();
  consent::v1::VerifyIdentityRequest verify;
  verify.set_request_id(erasure->request_id());
  verify.set_method("reply from the address on file");
  ASSERT_TRUE(client_->VerifyIdentity(verify).ok());

  // 02:00: the nightly backup, while Maja is still on file.
  absl::StatusOr<consent::v1::BackupResponse> nightly =
      client_->Backup("nightly");
  ASSERT_TRUE(nightly.ok()) << nightly.status();
  EXPECT_EQ(nightly->manifest().facts(), 2);

  // 10:00: her erasure is completed.
  consent::v1::CompleteRequestRequest complete;
  complete.set_request_id(erasure->request_id());
  ASSERT_TRUE(client_->CompleteRequest(complete).ok());
  ASSERT_EQ(ReasonFor(Email(kEmail), "email"),
            consent::v1::DECISION_REASON_ERASED);

  // 14:00: the store is lost; last night's backup is restored.
  ASSERT_EQ(server_->Stop(), 0);
  server_.reset();
  const std::string data = dir_.File("data");
  testing::ProgramResult restore = testing::ConsentdProcess::RunToExit(
      {"--dev", "--data-dir", data, "--restore", data + "/backups/nightly"});
  ASSERT_EQ(restore.code, 0) << restore.stderr_text;
  EXPECT_THAT(restore.stderr_text, HasSubstr(" event=restored "));
  EXPECT_THAT(restore.stderr_text,
              HasSubstr(" event=erasures_reconciled reapplied=1 "));
  absl::StatusOr<testing::ConsentdProcess> restarted =
      testing::ConsentdProcess::Start(data);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  server_.emplace(*std::move(restarted));
  client_.emplace(server_->address());

  for (const consent::v1::Identifier& id :
       {Email(kEmail), Email("Maja.Kovac@EXAMPLE.si"), Phone(kPhone),
        Phone("041 555 012"), Phone("+38641555012")}) {
    for (const char* channel : {"phone", "email", "sms"}) {
      EXPECT_EQ(ReasonFor(id, channel), consent::v1::DECISION_REASON_ERASED)
          << channel;
    }
  }
  absl::StatusOr<consent::v1::DataSubjectRequest> kept =
      client_->GetRequest(erasure->request_id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state(), consent::v1::REQUEST_STATE_COMPLETED);
  EXPECT_TRUE(kept->requester_contact().empty());
  for (const consent::v1::NormalisedIdentifier& id : kept->identifiers()) {
    EXPECT_TRUE(id.value().empty());
  }
}

}  // namespace
}  // namespace consentd
