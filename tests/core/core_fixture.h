// CoreFixture: a real ConsentCore (SQLCipher store in a temporary
// directory, the shipped policy) with a clock the test moves, and builders
// for the requests the tests send.
#ifndef CONSENTD_TESTS_CORE_CORE_FIXTURE_H_
#define CONSENTD_TESTS_CORE_CORE_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "access/caller.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"
#include "service/core/consent_core.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/temp_dir.h"

namespace consentd::core {

using testing::Email;
using testing::Phone;

// Callers as an access config would name them: the core records their
// principals and checks what their roles allow.
inline const access::Caller kCollector{"collector-1",
                                       {access::Role::kCollector}};
inline const access::Caller kDialer{"dialer-1", {access::Role::kDialer}};
inline const access::Caller kOfficer1{"dpo-1", {access::Role::kPrivacyOfficer}};
inline const access::Caller kOfficer2{"dpo-2", {access::Role::kPrivacyOfficer}};
inline const access::Caller kListManager{"lists-1",
                                         {access::Role::kListManager}};
inline const access::Caller kAdmin{"admin-1", {access::Role::kAdmin}};
inline const access::Caller kCampaign{"spiffe://callcentre.example/campaign/1",
                                      {access::Role::kCampaign}};

class CoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the consent_core (if open) and opens the same directory again.
  void Reopen() {
    core_.reset();
    absl::StatusOr<std::unique_ptr<ConsentCore>> consent_core =
        ConsentCore::Open(Options());
    ASSERT_TRUE(consent_core.ok()) << consent_core.status();
    core_ = *std::move(consent_core);
  }

  // The options Reopen opens the directory with.
  CoreOptions Options() {
    CoreOptions options;
    options.data_dir = dir_.path();
    options.create_keyring = true;
    options.policy_text = std::string(policy::DefaultPolicyText());
    options.clock = [this] { return now_; };
    options.unencrypted_store_for_testing = unencrypted_store_;
    options.require_second_officer = require_second_officer_;
    options.max_open_requests = max_open_requests_;
    return options;
  }

  // Imports version `version` of list `name` holding `email`, by the list
  // manager.
  void ImportList(const std::string& name, const std::string& version,
                  const std::string& email) {
    consent::v1::ImportListHeader header;
    header.set_name(name);
    header.set_version(version);
    header.set_default_region("SI");
    auto import = core_->list_registry().BeginImport(kListManager, header);
    ASSERT_TRUE(import.ok()) << import.status();
    ASSERT_TRUE((*import)->Add(Email(email)).ok());
    ASSERT_TRUE((*import)->Finish().ok());
  }

  static consent::v1::RecordObjectionRequest Objection(
      const consent::v1::Identifier& identifier,
      const std::string& purpose = "", const std::string& channel = "") {
    consent::v1::RecordObjectionRequest request;
    *request.add_identifiers() = identifier;
    request.set_default_region("SI");
    request.set_purpose(purpose);
    request.set_channel(channel);
    request.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_RECORDED_CALL);
    request.mutable_evidence()->set_evidence_reference("rec-1");
    return request;
  }

  static consent::v1::RecordConsentRequest Consent(
      const consent::v1::Identifier& identifier,
      consent::v1::CollectionMethod method,
      consent::v1::ConsentAction action = consent::v1::CONSENT_ACTION_GRANT,
      const std::string& purpose = "marketing",
      const std::string& channel = "phone") {
    consent::v1::RecordConsentRequest request;
    *request.add_identifiers() = identifier;
    request.set_default_region("SI");
    request.set_purpose(purpose);
    request.set_channel(channel);
    request.set_action(action);
    request.mutable_evidence()->set_collection_method(method);
    request.mutable_evidence()->set_evidence_reference("form-1");
    return request;
  }

  static consent::v1::CheckRequest CheckOf(
      const consent::v1::Identifier& identifier,
      const std::string& purpose = "marketing",
      const std::string& channel = "phone") {
    consent::v1::CheckRequest request;
    *request.add_identifiers() = identifier;
    request.set_default_region("SI");
    request.set_purpose(purpose);
    request.set_channel(channel);
    return request;
  }

  // The checker's answer, or its error.
  absl::StatusOr<consent::v1::CheckResponse> Checked(
      const consent::v1::CheckRequest& request) {
    consent::v1::CheckResponse response;
    absl::Status status = core_->checker().Check(request, &response);
    if (!status.ok()) return status;
    return response;
  }
  absl::StatusOr<consent::v1::CheckBatchResponse> BatchChecked(
      const consent::v1::CheckBatchRequest& request) {
    consent::v1::CheckBatchResponse response;
    absl::Status status = core_->checker().CheckBatch(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  consent::v1::Decision Decide(const consent::v1::CheckRequest& request) {
    absl::StatusOr<consent::v1::CheckResponse> response = Checked(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->decision() : consent::v1::Decision();
  }

  static absl::Time MondayMorning() {
    absl::TimeZone zone;
    absl::LoadTimeZone("Europe/Ljubljana", &zone);
    return absl::FromCivil(absl::CivilHour(2026, 11, 23, 10), zone);
  }

  testing::TempDir dir_;
  // Set in a derived fixture's constructor to scan the store's raw bytes.
  bool unencrypted_store_ = false;
  // Cleared to let one principal complete an erasure or drop a list.
  bool require_second_officer_ = true;
  int max_open_requests_ = kMaxOpenRequests;
  absl::Time now_ = MondayMorning();
  std::unique_ptr<ConsentCore> core_;
};

}  // namespace consentd::core

#endif  // CONSENTD_TESTS_CORE_CORE_FIXTURE_H_
