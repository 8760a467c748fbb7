// ConsentServer in process, over loopback: what its own call queue does
// beyond the services' logic (streams longer than its buffers, cancelled
// and drained calls, unparsable requests, health and reflection).
#include "service/api/consent_server.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "client/consent_client.h"
#include "consent/v1/suppression.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;
namespace health = ::grpc::health::v1;
namespace reflection = ::grpc::reflection::v1alpha;
using ::testing::Contains;
using ::testing::IsEmpty;

class ConsentServerTest : public core::CoreFixture {
 protected:
  void SetUp() override {
    CoreFixture::SetUp();
    ServingOptions options;
    options.listen_address = "127.0.0.1:0";
    auto server = ConsentServer::Start(core_.get(), options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    lists_ = v1::SuppressionListService::NewStub(channel_);
  }

  void TearDown() override { server_.reset(); }

  void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
  }

  static v1::ImportListRequest ListHeader() {
    v1::ImportListRequest message;
    message.mutable_header()->set_name("si-dnc");
    message.mutable_header()->set_version("2026-11");
    message.mutable_header()->set_default_region("SI");
    return message;
  }

  static v1::ImportListRequest Entry(int i) {
    v1::ImportListRequest message;
    message.mutable_identifier()->set_phone(absl::StrCat("+3864015", 1000 + i));
    return message;
  }

  // An ImportList call with its header sent.
  struct ImportCall {
    grpc::ClientContext context;
    v1::SuppressionList response;
    std::unique_ptr<grpc::ClientWriter<v1::ImportListRequest>> writer;
  };
  std::unique_ptr<ImportCall> StartImport() {
    auto call = std::make_unique<ImportCall>();
    SetDeadline(&call->context);
    call->writer = lists_->ImportList(&call->context, &call->response);
    EXPECT_TRUE(call->writer->Write(ListHeader()));
    return call;
  }

  std::unique_ptr<ConsentServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SuppressionListService::Stub> lists_;
};

TEST_F(ConsentServerTest, AnAddressInUseIsUnavailable) {
  ServingOptions options;
  options.listen_address = server_->address();
  absl::StatusOr<std::unique_ptr<ConsentServer>> second =
      ConsentServer::Start(core_.get(), options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  // The first server still answers.
  client::ConsentClient client(server_->address());
  EXPECT_TRUE(client.GetStatus().ok());
}

TEST_F(ConsentServerTest, HealthAnswersForTheServerAndItsServicesOnly) {
  auto stub = health::Health::NewStub(channel_);
  for (const char* service :
       {"", "consent.v1.ConsentService", "consent.v1.AuditService",
        "grpc.health.v1.Health"}) {
    grpc::ClientContext context;
    SetDeadline(&context);
    health::HealthCheckRequest request;
    request.set_service(service);
    health::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);
  }
  grpc::ClientContext context;
  SetDeadline(&context);
  health::HealthCheckRequest request;
  request.set_service("consent.v1.NoSuchService");
  health::HealthCheckResponse response;
  EXPECT_EQ(stub->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ConsentServerTest, AHealthWatchHearsTheServerDrainAndEnds) {
  auto stub = health::Health::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto watch = stub->Watch(&context, health::HealthCheckRequest());
  health::HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);

  // A watch never ends on its own: if draining did not end it, Shutdown
  // would wait out the whole grace and the watch would see no NOT_SERVING.
  std::thread drain([this] { server_->Shutdown(absl::Seconds(60)); });
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&response));
  EXPECT_TRUE(watch->Finish().ok());
  drain.join();
}

TEST_F(ConsentServerTest, ReflectionGivesASymbolsFileWithEveryImport) {
  auto stub = reflection::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = stub->ServerReflectionInfo(&context);

  reflection::ServerReflectionRequest request;
  request.set_file_containing_symbol("consent.v1.ConsentService.Check");
  ASSERT_TRUE(stream->Write(request));
  reflection::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> files;
  std::vector<std::string> imports;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    files.push_back(file.name());
    imports.insert(imports.end(), file.dependency().begin(),
                   file.dependency().end());
  }
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front(), "consent/v1/consent.proto");
  for (const std::string& imported : imports) {
    EXPECT_THAT(files, Contains(imported));
  }
  EXPECT_EQ(std::set<std::string>(files.begin(), files.end()).size(),
            files.size());

  request.set_file_containing_symbol("consent.v1.NoSuchThing");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(response.original_request().file_containing_symbol(),
            "consent.v1.NoSuchThing");

  request.set_file_by_filename("grpc/health/v1/health.proto");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_EQ(response.file_descriptor_response().file_descriptor_proto_size(),
            1);
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ConsentServerTest, AnUnparsableRequestIsRefusedAndChangesNothing) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Slice garbage(std::string("\x0a\xff\xff\xff\xff"));  // runs off the end
  grpc::ByteBuffer request(&garbage, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/consent.v1.ConsentService/RecordObjection",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(core_->index().fact_count(), 0u);
}

TEST_F(ConsentServerTest,
       AScrubLongerThanTheStreamBuffersAnswersEveryRowInOrder) {
  client::ConsentClient client(server_->address());
  v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("email");
  constexpr int kRows = 20000;  // 40 messages each way
  int sent = 0;
  int answered = 0;
  bool in_order = true;
  absl::StatusOr<v1::ScrubReceipt> receipt = client.Scrub(
      header,
      [&](v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (sent == kRows) return false;
        row->set_row_id(absl::StrCat(sent));
        row->add_identifiers()->set_email(
            absl::StrCat("p", sent, "@example.si"));
        ++sent;
        return true;
      },
      [&](const v1::ScrubRowResult& result) {
        in_order = in_order && result.row_id() == absl::StrCat(answered);
        ++answered;
      });
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(answered, kRows);
  EXPECT_TRUE(in_order);
  EXPECT_EQ(receipt->rows_total(), kRows);
}

TEST_F(ConsentServerTest, ACancelledImportPublishesNothing) {
  std::unique_ptr<ImportCall> import = StartImport();
  auto& writer = import->writer;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer->Write(Entry(i)));
  import->context.TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // Shutdown returns once every call has ended, the import's included.
  server_->Shutdown(absl::Seconds(30));
  absl::StatusOr<v1::ListListsResponse> lists =
      core_->list_registry().Describe();
  ASSERT_TRUE(lists.ok()) << lists.status();
  EXPECT_THAT(lists->lists(), IsEmpty());
}

TEST_F(ConsentServerTest, AnImportLongerThanTheReadAheadIsPublishedWhole) {
  std::unique_ptr<ImportCall> import = StartImport();
  auto& writer = import->writer;
  constexpr int kEntries = 1000;
  for (int i = 0; i < kEntries; ++i) ASSERT_TRUE(writer->Write(Entry(i)));
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(import->response.name(), "si-dnc");
  EXPECT_EQ(import->response.entries(), kEntries);
}

TEST_F(ConsentServerTest, AnImportMayMixSingleEntriesAndBatches) {
  std::unique_ptr<ImportCall> import = StartImport();
  auto& writer = import->writer;
  v1::ImportListRequest batch;
  for (int i = 0; i < 1000; ++i) {
    *batch.mutable_entries()->add_identifiers() = Entry(i).identifier();
  }
  ASSERT_TRUE(writer->Write(batch));
  ASSERT_TRUE(writer->Write(Entry(1000)));
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(import->response.entries(), 1001);
}

TEST_F(ConsentServerTest, ShutdownEndsAStreamLeftOpenOnceTheGraceIsOver) {
  std::unique_ptr<ImportCall> import = StartImport();
  auto& writer = import->writer;
  ASSERT_TRUE(writer->Write(Entry(1)));
  // The import's handler is waiting for more; Shutdown must cancel it.
  server_->Shutdown(absl::Milliseconds(100));
  EXPECT_FALSE(writer->Finish().ok());
  absl::StatusOr<v1::ListListsResponse> lists =
      core_->list_registry().Describe();
  ASSERT_TRUE(lists.ok()) << lists.status();
  EXPECT_THAT(lists->lists(), IsEmpty());
}

}  // namespace
}  // namespace consentd::api
