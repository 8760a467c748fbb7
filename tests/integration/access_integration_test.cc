// Who may call what, against a real consentd serving mutual TLS on
// loopback with a certificate authority the test makes: every (role, RPC)
// pair of the role table, a token caller, and the callers that must be
// turned away (unknown certificate, another CA, no credentials, plain
// text).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "access/role.h"
#include "access/role_table.h"
#include "client/consent_client.h"
#include "crypto/digest.h"
#include "crypto/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/run_program.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"
#include "tests/testing/unary_call.h"

namespace consentd {
namespace {

using ::testing::HasSubstr;

constexpr char kCollectorToken[] = "token-of-the-web-form";

std::string UriOf(access::Role role) {
  return absl::StrCat("spiffe://callcentre.example/", access::RoleName(role),
                      "/1");
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

class AccessIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    ca_ = new testing::TestCertificateAuthority("call centre CA");
    testing::KeyPair server = ca_->IssueServer();
    WriteFile(dir_->File("server.pem"), server.certificate);
    WriteFile(dir_->File("server.key"), server.private_key);
    WriteFile(dir_->File("ca.pem"), ca_->certificate());
    std::string config;
    for (int i = 0; i < access::kRoleCount; ++i) {
      auto role = static_cast<access::Role>(i);
      absl::StrAppend(&config, "callers { principal: \"", UriOf(role),
                      "\" roles: \"", access::RoleName(role),
                      "\" certificate_uri: \"", UriOf(role), "\" }\n");
    }
    const std::string second_officer =
        "spiffe://callcentre.example/privacy_officer/2";
    absl::StrAppend(&config, "callers { principal: \"", second_officer,
                    "\" roles: \"privacy_officer\" certificate_uri: \"",
                    second_officer, "\" }\n");
    absl::StrAppend(&config,
                    "callers { principal: \"crm-webform\" roles: "
                    "\"collector\" token_sha256: \"",
                    crypto::DigestHex(crypto::Sha256(kCollectorToken)),
                    "\" }\n");
    WriteFile(dir_->File("access.textproto"), config);
    absl::StatusOr<testing::ConsentdProcess> process =
        testing::ConsentdProcess::Start(
            dir_->File("data"),
            {"--dev", "--tls-cert", dir_->File("server.pem"), "--tls-key",
             dir_->File("server.key"), "--client-ca", dir_->File("ca.pem"),
             "--access", dir_->File("access.textproto")});
    ASSERT_TRUE(process.ok()) << process.status();
    server_ = new testing::ConsentdProcess(*std::move(process));
  }

  static void TearDownTestSuite() {
    delete server_;
    delete ca_;
    delete dir_;
  }

  // A channel with TLS, presenting `keys` when given.
  static std::shared_ptr<grpc::Channel> TlsChannel(
      const testing::KeyPair* keys) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_->certificate();
    if (keys != nullptr) {
      ssl.pem_cert_chain = keys->certificate;
      ssl.pem_private_key = keys->private_key;
    }
    return grpc::CreateChannel(server_->address(), grpc::SslCredentials(ssl));
  }

  // Calls `method` with an empty request, with `authorization` as that
  // header when given; the status it ends with.
  static grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method,
                           const std::string& authorization = "") {
    return testing::CallUnary(channel, method, "", authorization);
  }

  // A client presenting a fresh certificate for `uri`.
  static client::ConsentClient ClientFor(const std::string& uri) {
    testing::KeyPair keys = ca_->IssueClient("client", uri);
    client::ConnectionOptions options;
    options.address = server_->address();
    options.ca = ca_->certificate();
    options.certificate_chain = keys.certificate;
    options.private_key = keys.private_key;
    return client::ConsentClient(options);
  }

  static testing::TempDir* dir_;
  static testing::TestCertificateAuthority* ca_;
  static testing::ConsentdProcess* server_;
};

testing::TempDir* AccessIntegrationTest::dir_ = nullptr;
testing::TestCertificateAuthority* AccessIntegrationTest::ca_ = nullptr;
testing::ConsentdProcess* AccessIntegrationTest::server_ = nullptr;

TEST_F(AccessIntegrationTest, EachRoleReachesExactlyItsRowsOfTheRoleTable) {
  for (int i = 0; i < access::kRoleCount; ++i) {
    auto role = static_cast<access::Role>(i);
    testing::KeyPair keys =
        ca_->IssueClient(std::string(access::RoleName(role)), UriOf(role));
    std::shared_ptr<grpc::Channel> channel = TlsChannel(&keys);
    for (const access::MethodAccess& row : access::RoleTable()) {
      // A health watch stays open; CallersTheConfigDoesNotName... covers it.
      if (row.method == "/grpc.health.v1.Health/Watch") continue;
      grpc::Status status = Call(channel, std::string(row.method));
      if (row.roles.Has(role)) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << access::RoleName(role) << " " << row.method << ": "
            << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << access::RoleName(role) << " " << row.method;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << access::RoleName(role) << " " << row.method;
        EXPECT_THAT(status.error_message(), HasSubstr("may not call"));
      }
    }
    // Health checking is open to every role.
    EXPECT_TRUE(Call(channel, "/grpc.health.v1.Health/Check").ok());
  }
}

TEST_F(AccessIntegrationTest, ATokenCallerOverTlsHasItsRoles) {
  std::shared_ptr<grpc::Channel> channel = TlsChannel(nullptr);
  EXPECT_EQ(Call(channel, "/consent.v1.ConsentService/RecordConsent",
                 absl::StrCat("Bearer ", kCollectorToken))
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // admitted, then validated
  EXPECT_EQ(Call(channel, "/consent.v1.ConsentService/Check",
                 absl::StrCat("Bearer ", kCollectorToken))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The scheme's case does not matter; a malformed header is no
  // credential to fall back from.
  auto call_with_header = [&](const std::string& header) {
    return Call(channel, "/consent.v1.ConsentService/RecordConsent", header)
        .error_code();
  };
  EXPECT_EQ(call_with_header(absl::StrCat("bearer ", kCollectorToken)),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(call_with_header("Bearer "), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call_with_header("Basic dXNlcjpwYXNz"),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status wrong =
      Call(channel, "/consent.v1.ConsentService/Check", "Bearer guessed-token");
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wrong.error_message(), ::testing::Not(HasSubstr("guessed")));
}

TEST_F(AccessIntegrationTest, CallersTheConfigDoesNotNameAreTurnedAway) {
  // A certificate from the right CA for a name the config does not hold.
  testing::KeyPair stranger =
      ca_->IssueClient("stranger", "spiffe://callcentre.example/stranger/1");
  EXPECT_EQ(Call(TlsChannel(&stranger), "/consent.v1.ConsentService/Check")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // TLS without any credential: health only.
  EXPECT_EQ(Call(TlsChannel(nullptr), "/consent.v1.ConsentService/Check")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Call(TlsChannel(nullptr), "/grpc.health.v1.Health/Check").ok());
  // A health watch holds a stream: only for known callers.
  EXPECT_EQ(
      Call(TlsChannel(nullptr), "/grpc.health.v1.Health/Watch").error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  // A certificate from another CA, with a configured name: no handshake.
  testing::TestCertificateAuthority rogue("rogue CA");
  testing::KeyPair impostor =
      rogue.IssueClient("dialer", UriOf(access::Role::kDialer));
  EXPECT_EQ(Call(TlsChannel(&impostor), "/consent.v1.ConsentService/Check")
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Plain text to a TLS port: no connection.
  EXPECT_EQ(Call(grpc::CreateChannel(server_->address(),
                                     grpc::InsecureChannelCredentials()),
                 "/consent.v1.ConsentService/Check")
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AccessIntegrationTest, ConsentctlPresentsItsCertificateOrToken) {
  testing::KeyPair dialer =
      ca_->IssueClient("dialer", UriOf(access::Role::kDialer));
  WriteFile(dir_->File("dialer.pem"), dialer.certificate);
  WriteFile(dir_->File("dialer.key"), dialer.private_key);
  WriteFile(dir_->File("collector.token"), std::string(kCollectorToken) + "\n");
  std::vector<std::string> tls = {"--server", server_->address(), "--ca",
                                  dir_->File("ca.pem")};
  std::vector<std::string> check = tls;
  check.insert(check.end(),
               {"--cert", dir_->File("dialer.pem"), "--key",
                dir_->File("dialer.key"), "check", "--email", "ana@example.si",
                "--purpose", "customer-care", "--channel", "email"});
  testing::ProgramResult checked =
      testing::RunProgram(CONSENTCTL_BINARY, check);
  EXPECT_EQ(checked.code, 0) << checked.stderr_text;

  std::vector<std::string> status = tls;
  status.insert(status.end(),
                {"--token-file", dir_->File("collector.token"), "status"});
  testing::ProgramResult refused =
      testing::RunProgram(CONSENTCTL_BINARY, status);
  EXPECT_NE(refused.code, 0);
  EXPECT_THAT(refused.stderr_text, HasSubstr("PERMISSION_DENIED"));
}

// The story of one person over mutual TLS: what each principal may do,
// what is recorded under whose name, and what each is shown.
TEST_F(AccessIntegrationTest, EachStepIsTheAuthenticatedPrincipals) {
  namespace v1 = ::consent::v1;
  const std::string dialer_uri = UriOf(access::Role::kDialer);
  const std::string officer_uri = UriOf(access::Role::kPrivacyOfficer);
  client::ConsentClient dialer = ClientFor(dialer_uri);
  client::ConsentClient officer = ClientFor(officer_uri);
  client::ConsentClient second_officer =
      ClientFor("spiffe://callcentre.example/privacy_officer/2");
  client::ConnectionOptions web_form;
  web_form.address = server_->address();
  web_form.ca = ca_->certificate();
  web_form.bearer_token = kCollectorToken;
  client::ConsentClient collector(web_form);

  v1::Identifier phone;
  phone.set_phone("+386 41 555 012");
  v1::RecordObjectionRequest objection;
  *objection.add_identifiers() = phone;
  objection.mutable_evidence()->set_collection_method(
      v1::COLLECTION_METHOD_RECORDED_CALL);
  objection.mutable_evidence()->set_evidence_reference("call-1");
  absl::StatusOr<v1::RecordObjectionResponse> objected =
      dialer.RecordObjection(objection);
  ASSERT_TRUE(objected.ok()) << objected.status();
  EXPECT_EQ(objected->fact_ids_size(), 0);  // a dialer sees no fact ids

  // The dialer cannot lift it by claiming the web form's double opt-in.
  v1::RecordConsentRequest grant;
  *grant.add_identifiers() = phone;
  grant.set_purpose("marketing");
  grant.set_action(v1::CONSENT_ACTION_GRANT);
  grant.mutable_evidence()->set_collection_method(
      v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  grant.mutable_evidence()->set_evidence_reference("form-1");
  EXPECT_EQ(dialer.RecordConsent(grant).status().code(),
            absl::StatusCode::kPermissionDenied);

  v1::CheckRequest check;
  *check.add_identifiers() = phone;
  check.set_purpose("customer-care");
  check.set_channel("email");
  absl::StatusOr<v1::CheckResponse> denied = dialer.Check(check);
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->decision().reason(), v1::DECISION_REASON_OBJECTION);
  ASSERT_EQ(denied->decision().identifiers_size(), 1);
  EXPECT_EQ(denied->decision().identifiers(0).identifier().digest(), "");
  EXPECT_EQ(denied->decision().identifiers(0).deciding_fact_id(), 0);

  // The web form's grant lifts it for marketing.
  absl::StatusOr<v1::RecordConsentResponse> lifted =
      collector.RecordConsent(grant);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->lifted_refusal());

  v1::GetRecordRequest record_request;
  *record_request.mutable_identifier() = phone;
  absl::StatusOr<v1::GetRecordResponse> record =
      officer.GetRecord(record_request);
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->facts_size(), 2);
  EXPECT_EQ(record->facts(0).recorded_by(), dialer_uri);
  EXPECT_EQ(record->facts(1).recorded_by(), "crm-webform");

  // Erasure: opened and verified by one officer, completed by another.
  v1::OpenRequestRequest open;
  open.set_type(v1::REQUEST_TYPE_ERASURE);
  *open.add_identifiers() = phone;
  open.set_officer("someone else");  // ignored
  absl::StatusOr<v1::DataSubjectRequest> opened = officer.OpenRequest(open);
  ASSERT_TRUE(opened.ok()) << opened.status();
  v1::VerifyIdentityRequest verify;
  verify.set_request_id(opened->request_id());
  verify.set_method("call-back to the number");
  ASSERT_TRUE(officer.VerifyIdentity(verify).ok());
  v1::CompleteRequestRequest complete;
  complete.set_request_id(opened->request_id());
  EXPECT_EQ(officer.CompleteRequest(complete).status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::StatusOr<v1::DataSubjectRequest> erased =
      second_officer.CompleteRequest(complete);
  ASSERT_TRUE(erased.ok()) << erased.status();
  std::vector<std::string> officers;
  for (const v1::RequestEvent& event : erased->history()) {
    officers.push_back(event.officer());
  }
  EXPECT_THAT(officers, ::testing::ElementsAre(officer_uri, officer_uri,
                                               "spiffe://callcentre.example/"
                                               "privacy_officer/2"));
  check.set_purpose("marketing");
  check.set_channel("phone");
  EXPECT_EQ(dialer.Check(check)->decision().reason(),
            v1::DECISION_REASON_ERASED);
}

TEST(ConsentdListenTest, NonLoopbackNeedsTlsAndTlsNeedsAnAccessFile) {
  testing::TempDir dir;
  testing::ProgramResult plain = testing::ConsentdProcess::RunToExit(
      {"--data-dir", dir.File("data"), "--listen", "0.0.0.0:0"});
  EXPECT_NE(plain.code, 0);
  EXPECT_THAT(plain.stderr_text, HasSubstr("not loopback"));
  testing::TestCertificateAuthority ca("CA");
  testing::KeyPair server = ca.IssueServer();
  WriteFile(dir.File("server.pem"), server.certificate);
  WriteFile(dir.File("server.key"), server.private_key);
  testing::ProgramResult open = testing::ConsentdProcess::RunToExit(
      {"--data-dir", dir.File("data"), "--listen", "0.0.0.0:0", "--tls-cert",
       dir.File("server.pem"), "--tls-key", dir.File("server.key")});
  EXPECT_NE(open.code, 0);
  EXPECT_THAT(open.stderr_text, HasSubstr("--access"));
}

}  // namespace
}  // namespace consentd
