// The real consentd binary on loopback, with a real SQLCipher file:
// health and reflection, restarts and crashes, start-up failures, and the
// promise that no identifier lands in the store files or the log as
// plaintext.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/consent_client.h"
#include "consent/v1/audit.grpc.pb.h"
#include "consent/v1/consent.grpc.pb.h"
#include "consent/v1/scrub.grpc.pb.h"
#include "consent/v1/suppression.grpc.pb.h"
#include "crypto/keyring.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using testing::ConsentdProcess;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using testing::ReadFileOrEmpty;

constexpr char kPhone[] = "+386 31 123 456";
constexpr char kPhoneE164[] = "+38631123456";
constexpr char kEmail[] = "marker.person@example.si";
constexpr char kCustomerId[] = "CUST-99127";
constexpr char kEvidence[] = "rec-PLAINTEXT-5521";

consent::v1::RecordObjectionRequest ObjectionForEveryone() {
  consent::v1::RecordObjectionRequest request;
  request.add_identifiers()->set_phone(kPhone);
  request.add_identifiers()->set_email(kEmail);
  consent::v1::ExternalId* id =
      request.add_identifiers()->mutable_external_id();
  id->set_system("crm");
  id->set_id(kCustomerId);
  request.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  request.mutable_evidence()->set_evidence_reference(kEvidence);
  return request;
}

consent::v1::CheckRequest CheckPhone(const std::string& phone) {
  consent::v1::CheckRequest request;
  request.add_identifiers()->set_phone(phone);
  request.set_default_region("SI");
  request.set_purpose("marketing");
  request.set_channel("email");
  return request;
}

class ConsentdIntegrationTest : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.File("data"); }

  // An access file whose one caller is the plain-text loopback one.
  std::string AccessFile() {
    const std::string path = dir_.File("access.textproto");
    std::ofstream(path, std::ios::trunc)
        << "callers { principal: \"ops\" roles: \"admin\" local: true }\n";
    return path;
  }

  ConsentdProcess StartOrDie() {
    absl::StatusOr<ConsentdProcess> process =
        ConsentdProcess::Start(data_dir());
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) std::abort();
    return *std::move(process);
  }

  testing::TempDir dir_;
};

TEST_F(ConsentdIntegrationTest, HealthServiceSaysServing) {
  ConsentdProcess server = StartOrDie();
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status =
      stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ConsentdIntegrationTest, ReflectionListsTheWholeApi) {
  ConsentdProcess server = StartOrDie();
  auto stub =
      grpc::reflection::v1alpha::ServerReflection::NewStub(grpc::CreateChannel(
          server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(
      names,
      IsSupersetOf(
          {"consent.v1.ConsentService", "consent.v1.AdminService",
           "consent.v1.ScrubService", "consent.v1.SuppressionListService",
           "consent.v1.DataSubjectRequestService", "consent.v1.AuditService",
           "consent.v1.ChangeFeedService", "grpc.health.v1.Health"}));
}

TEST_F(ConsentdIntegrationTest, RpcsNotBuiltYetAnswerUnimplemented) {
  ConsentdProcess server = StartOrDie();
  auto channel =
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  consent::v1::ExplainCheckResponse response;
  grpc::Status status =
      consent::v1::ConsentService::NewStub(channel)->ExplainCheck(
          &context, CheckPhone(kPhone), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ConsentdIntegrationTest, AListImportMustStartWithItsHeader) {
  ConsentdProcess server = StartOrDie();
  auto stub = consent::v1::SuppressionListService::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    consent::v1::SuppressionList response;
    auto writer = stub->ImportList(&context, &response);
    consent::v1::ImportListRequest entry;
    entry.mutable_identifier()->set_phone("+38631123456");
    writer->Write(entry);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("header"));
  }
  {
    grpc::ClientContext context;
    consent::v1::SuppressionList response;
    auto writer = stub->ImportList(&context, &response);
    consent::v1::ImportListRequest header;
    header.mutable_header()->set_name("dnc");
    header.mutable_header()->set_version("v1");
    writer->Write(header);
    writer->Write(header);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  client::ConsentClient client(server.address());
  EXPECT_TRUE(client.ListLists()->lists().empty());
}

TEST_F(ConsentdIntegrationTest, AScrubStreamsRowsAndEndsWithAKeptReceipt) {
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
  consent::v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("email");
  header.set_default_region("SI");
  // Six full messages of rows as the client sends them, and one of one row.
  constexpr int kRows = 3001;
  int sent = 0;
  std::vector<consent::v1::ScrubRowResult> results;
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = client.Scrub(
      header,
      [&](consent::v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (sent == kRows) return false;
        row->set_row_id(absl::StrCat(sent));
        row->add_identifiers()->set_phone(
            sent == 7 ? std::string(kPhone)
                      : absl::StrCat("+3864011", 1000 + sent));
        ++sent;
        return true;
      },
      [&](const consent::v1::ScrubRowResult& result) {
        results.push_back(result);
      });
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(results.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(results[7].reason(), consent::v1::DECISION_REASON_OBJECTION);
  for (int i = 0; i < kRows; ++i) {
    ASSERT_EQ(results[i].row_id(), absl::StrCat(i)) << "results out of order";
  }
  EXPECT_EQ(receipt->rows_total(), kRows);
  EXPECT_EQ(receipt->rows_allowed(), kRows - 1);
  absl::StatusOr<consent::v1::ScrubReceipt> kept =
      client.GetReceipt(receipt->receipt_id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->signature(), receipt->signature());
}

TEST_F(ConsentdIntegrationTest, AnAbandonedScrubIssuesNoReceipt) {
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  consent::v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("email");
  int calls = 0;
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = client.Scrub(
      header,
      [&](consent::v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (++calls > 5) return absl::AbortedError("input went away");
        row->add_identifiers()->set_email("a@example.si");
        return true;
      },
      [](const consent::v1::ScrubRowResult&) {});
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kAborted);
  // The server is still well.
  EXPECT_TRUE(client.GetStatus().ok());
}

TEST_F(ConsentdIntegrationTest, ARestartKeepsEverything) {
  consent::v1::GetRecordResponse before;
  {
    ConsentdProcess server = StartOrDie();
    client::ConsentClient client(server.address());
    ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
    consent::v1::GetRecordRequest request;
    request.mutable_identifier()->set_email(kEmail);
    absl::StatusOr<consent::v1::GetRecordResponse> record =
        client.GetRecord(request);
    ASSERT_TRUE(record.ok()) << record.status();
    before = *record;
    EXPECT_EQ(server.Stop(), 0);
  }
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  consent::v1::GetRecordRequest request;
  request.mutable_identifier()->set_email(kEmail);
  absl::StatusOr<consent::v1::GetRecordResponse> after =
      client.GetRecord(request);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->SerializeAsString(), before.SerializeAsString());

  absl::StatusOr<consent::v1::CheckResponse> check =
      client.Check(CheckPhone("031 123 456"));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->decision().reason(), consent::v1::DECISION_REASON_OBJECTION);
  absl::StatusOr<consent::v1::GetStatusResponse> status = client.GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->indexed_identifiers(), 3);
  EXPECT_EQ(status->facts(), 3);
}

TEST_F(ConsentdIntegrationTest, AcknowledgedWritesSurviveAKill) {
  constexpr int kWrites = 40;
  {
    ConsentdProcess server = StartOrDie();
    client::ConsentClient client(server.address());
    for (int i = 0; i < kWrites; ++i) {
      consent::v1::RecordObjectionRequest request;
      request.add_identifiers()->set_email(absl::StrCat("p", i, "@example.si"));
      request.mutable_evidence()->set_collection_method(
          consent::v1::COLLECTION_METHOD_VERBAL);
      ASSERT_TRUE(client.RecordObjection(request).ok());
    }
    server.Kill();
  }
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  absl::StatusOr<consent::v1::GetStatusResponse> status = client.GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->facts(), kWrites);
  consent::v1::CheckRequest last = CheckPhone(kPhone);
  last.mutable_identifiers(0)->set_email(
      absl::StrCat("p", kWrites - 1, "@example.si"));
  EXPECT_EQ(client.Check(last)->decision().reason(),
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST_F(ConsentdIntegrationTest, AWrongKeyringStopsStartUpWithAClearError) {
  StartOrDie().Stop();
  ASSERT_TRUE(crypto::Keyring::Create(dir_.File("other-keyring")).ok());
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev",
       "--keyring", dir_.File("other-keyring")});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("wrong key"));
}

TEST_F(ConsentdIntegrationTest, AStoreRolledBackToAnOlderCopyDoesNotStart) {
  StartOrDie().Stop();
  const std::string store = data_dir() + "/consentd.db";
  std::filesystem::copy_file(store, dir_.File("old-copy.db"));
  {
    ConsentdProcess server = StartOrDie();
    client::ConsentClient client(server.address());
    ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
    ASSERT_EQ(server.Stop(), 0);
  }
  // The objection is gone from the old copy: consentd must not serve it.
  std::filesystem::copy_file(dir_.File("old-copy.db"), store,
                             std::filesystem::copy_options::overwrite_existing);
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("rolled back"));
  EXPECT_THAT(result.stderr_text, HasSubstr("--audit-reanchor"));
  // A deliberate restore is accepted, and the acceptance audited.
  absl::StatusOr<ConsentdProcess> reanchored =
      ConsentdProcess::Start(data_dir(), {"--dev", "--audit-reanchor"});
  ASSERT_TRUE(reanchored.ok()) << reanchored.status();
  absl::StatusOr<consent::v1::VerifyAuditResponse> verified =
      client::ConsentClient(reanchored->address()).VerifyAudit();
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->intact()) << verified->problem();
}

TEST_F(ConsentdIntegrationTest,
       AStoreWhoseWriteAheadLogWasRemovedDoesNotStart) {
  {
    ConsentdProcess server = StartOrDie();
    client::ConsentClient client(server.address());
    ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
    // Killed: the objection's commit is in the WAL, not yet in the main
    // file, and the anchor has been signed at it.
    server.Kill();
  }
  const std::string wal = data_dir() + "/consentd.db-wal";
  ASSERT_GT(std::filesystem::file_size(wal), 0u);
  std::filesystem::remove(wal);
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("write-ahead log"));
}

TEST_F(ConsentdIntegrationTest, AKeyringOthersMayReadStopsStartUp) {
  StartOrDie().Stop();
  chmod((data_dir() + "/keyring").c_str(), 0644);
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("chmod 600"));
}

TEST_F(ConsentdIntegrationTest, AnExplicitKeyringMustExist) {
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev",
       "--keyring", dir_.File("missing-keyring")});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("no file"));
}

TEST_F(ConsentdIntegrationTest, AFileThatIsNoStoreStopsStartUp) {
  StartOrDie().Stop();
  std::ofstream(data_dir() + "/consentd.db", std::ios::trunc)
      << std::string(8192, 'z');
  unlink((data_dir() + "/consentd.db-wal").c_str());
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--dev"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("not a consentd database"));
}

TEST_F(ConsentdIntegrationTest, WithoutDevAnAccessFileIsRequired) {
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("no --access"));
  struct stat st;
  EXPECT_NE(stat(data_dir().c_str(), &st), 0) << "nothing created on disk";
}

TEST_F(ConsentdIntegrationTest, WithoutDevAKeyringIsRequired) {
  testing::ProgramResult result =
      ConsentdProcess::RunToExit({"--data-dir", data_dir(), "--listen",
                                  "127.0.0.1:0", "--access", AccessFile()});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("no keyring"));
  struct stat st;
  EXPECT_NE(stat(data_dir().c_str(), &st), 0) << "nothing created on disk";
}

TEST_F(ConsentdIntegrationTest, AMistypedDataDirStartsNoEmptyStore) {
  StartOrDie().Stop();
  const std::string keyring = dir_.File("keyring");
  ASSERT_EQ(rename((data_dir() + "/keyring").c_str(), keyring.c_str()), 0);
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", dir_.File("dta"), "--listen", "127.0.0.1:0", "--keyring",
       keyring, "--access", AccessFile()});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("no store at"));
  EXPECT_THAT(result.stderr_text, HasSubstr("--init"));
  // The right directory opens with the keyring alone; a new one with --init.
  absl::StatusOr<ConsentdProcess> same = ConsentdProcess::Start(
      data_dir(), {"--keyring", keyring, "--access", AccessFile()});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->Stop(), 0);
  absl::StatusOr<ConsentdProcess> fresh = ConsentdProcess::Start(
      dir_.File("dta"),
      {"--keyring", keyring, "--init", "--access", AccessFile()});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->Stop(), 0);
}

TEST_F(ConsentdIntegrationTest, AKeyCommandHandsOverTheKeyring) {
  StartOrDie().Stop();
  const std::string keyring = data_dir() + "/keyring";
  absl::StatusOr<ConsentdProcess> server = ConsentdProcess::Start(
      data_dir(),
      {"--keyring-command", "cat " + keyring, "--access", AccessFile()});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(server->Stop(), 0);
  for (const char* command : {"false", "true"}) {  // fails; prints nothing
    testing::ProgramResult failing = ConsentdProcess::RunToExit(
        {"--data-dir", data_dir(), "--listen", "127.0.0.1:0",
         "--keyring-command", command, "--access", AccessFile()});
    EXPECT_EQ(failing.code, 1) << command;
    EXPECT_THAT(failing.stderr_text, HasSubstr("keyring command")) << command;
  }
  testing::ProgramResult two = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "127.0.0.1:0", "--keyring",
       keyring, "--keyring-command", "cat " + keyring, "--access",
       AccessFile()});
  EXPECT_EQ(two.code, 1);
  EXPECT_THAT(two.stderr_text, HasSubstr("one way"));
}

TEST_F(ConsentdIntegrationTest, ANonLoopbackAddressIsRefused) {
  testing::ProgramResult result = ConsentdProcess::RunToExit(
      {"--data-dir", data_dir(), "--listen", "0.0.0.0:0"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("not loopback"));
  struct stat st;
  EXPECT_NE(stat(data_dir().c_str(), &st), 0) << "nothing created on disk";
}

TEST_F(ConsentdIntegrationTest, StoreFilesNeverHoldAnIdentifierInPlaintext) {
  const std::vector<std::string> secrets = {
      kPhoneE164, "38631123456", "031123456", kEmail, kCustomerId, kEvidence};
  auto expect_clean = [&](const std::string& file) {
    std::string bytes = ReadFileOrEmpty(file);
    for (const std::string& secret : secrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos)
          << file << " holds a plaintext identifier or evidence";
    }
  };
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
  expect_clean(data_dir() + "/consentd.db");
  expect_clean(data_dir() + "/consentd.db-wal");
  ASSERT_GT(ReadFileOrEmpty(data_dir() + "/consentd.db-wal").size(), 0u)
      << "the write should still be in the WAL while the server runs";
  EXPECT_EQ(server.Stop(), 0);
  expect_clean(data_dir() + "/consentd.db");
  expect_clean(data_dir() + "/consentd.db-wal");
}

TEST_F(ConsentdIntegrationTest, TheServerLogHoldsNoIdentifiers) {
  ConsentdProcess server = StartOrDie();
  client::ConsentClient client(server.address());
  ASSERT_TRUE(client.RecordObjection(ObjectionForEveryone()).ok());
  consent::v1::RecordObjectionRequest bad = ObjectionForEveryone();
  bad.mutable_identifiers(1)->set_email("broken-" + std::string(kEmail) + "@");
  absl::StatusOr<consent::v1::RecordObjectionResponse> refused =
      client.RecordObjection(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::Not(HasSubstr(kEmail)));
  ASSERT_TRUE(client.Check(CheckPhone(kPhone)).ok());
  EXPECT_EQ(server.Stop(), 0);
  std::string log = server.log();
  EXPECT_THAT(log, HasSubstr(" event=serving "));
  for (const std::string& secret :
       {std::string(kPhoneE164), std::string(kEmail),
        std::string(kCustomerId)}) {
    EXPECT_THAT(log, ::testing::Not(HasSubstr(secret)));
  }
}

}  // namespace
}  // namespace consentd
