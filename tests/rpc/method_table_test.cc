#include "rpc/method_table.h"

#include "consent/v1/consent.pb.h"
#include "consent/v1/scrub.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::rpc {
namespace {

namespace v1 = ::consent::v1;
using ::testing::ElementsAre;

absl::Status Answer(const Caller&, const v1::CheckRequest&,
                    v1::CheckResponse*) {
  return absl::OkStatus();
}

// Records what a handler sent.
class RecordedReply final : public UnaryReply {
 public:
  void Send(const grpc::Status& status,
            const google::protobuf::MessageLite* response) override {
    status_ = status;
    if (response != nullptr) bytes_ = response->SerializeAsString();
  }
  grpc::Status status_;
  std::string bytes_;
};

grpc::ByteBuffer Bytes(const std::string& data) {
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

TEST(MethodTableTest, FindsMethodsByTheirFullPath) {
  MethodTable methods;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check", MethodTable::Runs::kInline, Answer);
  ASSERT_NE(methods.Find("/consent.v1.ConsentService/Check"), nullptr);
  EXPECT_EQ(methods.Find("/consent.v1.ConsentService/Check")->runs,
            MethodTable::Runs::kInline);
  EXPECT_EQ(methods.Find("/consent.v1.ConsentService/CheckBatch"), nullptr);
  EXPECT_EQ(methods.Find("consent.v1.ConsentService/Check"), nullptr);
}

TEST(MethodTableTest, NamesEachServiceOnceInOrder) {
  MethodTable methods;
  // Naming it through a message of its file links its descriptors in.
  methods.AddService(v1::ScrubRequest::descriptor()
                         ->file()
                         ->FindServiceByName("ScrubService")
                         ->full_name());
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check", MethodTable::Runs::kInline, Answer);
  methods.AddService("consent.v1.ConsentService");
  EXPECT_THAT(methods.services(), ElementsAre("consent.v1.ConsentService",
                                              "consent.v1.ScrubService"));
}

TEST(MethodTableTest, AUnaryHandlerAnswersWithItsResponse) {
  MethodTable methods;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check", MethodTable::Runs::kInline,
      [](const Caller&, const v1::CheckRequest& request,
         v1::CheckResponse* response) {
        response->mutable_decision()->set_detail(request.purpose());
        return absl::OkStatus();
      });
  v1::CheckRequest request;
  request.set_purpose("marketing");
  grpc::ByteBuffer bytes = Bytes(request.SerializeAsString());
  RecordedReply reply;
  methods.Find("/consent.v1.ConsentService/Check")
      ->unary(Caller{}, &bytes, &reply);
  ASSERT_TRUE(reply.status_.ok());
  v1::CheckResponse response;
  ASSERT_TRUE(response.ParseFromString(reply.bytes_));
  EXPECT_EQ(response.decision().detail(), "marketing");
}

TEST(MethodTableTest, AHandlersErrorIsTheStatus) {
  MethodTable methods;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check", MethodTable::Runs::kInline,
      [](const Caller&, const v1::CheckRequest&, v1::CheckResponse*) {
        return absl::InvalidArgumentError("no identifier");
      });
  grpc::ByteBuffer bytes = Bytes("");
  RecordedReply reply;
  methods.Find("/consent.v1.ConsentService/Check")
      ->unary(Caller{}, &bytes, &reply);
  EXPECT_EQ(reply.status_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(reply.status_.error_message(), "no identifier");
}

TEST(MethodTableTest, AnUnparsableRequestNeverReachesTheHandler) {
  MethodTable methods;
  bool called = false;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check", MethodTable::Runs::kInline,
      [&called](const Caller&, const v1::CheckRequest&, v1::CheckResponse*) {
        called = true;
        return absl::OkStatus();
      });
  grpc::ByteBuffer bytes = Bytes("\xff\xff\xff");  // a truncated varint key
  RecordedReply reply;
  methods.Find("/consent.v1.ConsentService/Check")
      ->unary(Caller{}, &bytes, &reply);
  EXPECT_EQ(reply.status_.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(called);
}

TEST(MethodTableTest, ADeferredHandlerAnswersWhenDone) {
  MethodTable methods;
  MethodTable::Done<v1::CheckResponse> later;
  methods.AddDeferred<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Check",
      [&later](const Caller&, const v1::CheckRequest&,
               MethodTable::Done<v1::CheckResponse> done) {
        later = std::move(done);
      });
  EXPECT_EQ(methods.Find("/consent.v1.ConsentService/Check")->runs,
            MethodTable::Runs::kOnHandlerThread);
  grpc::ByteBuffer bytes = Bytes("");
  RecordedReply reply;
  reply.status_ = grpc::Status(grpc::StatusCode::UNKNOWN, "not yet");
  methods.Find("/consent.v1.ConsentService/Check")
      ->unary(Caller{}, &bytes, &reply);
  EXPECT_EQ(reply.status_.error_code(), grpc::StatusCode::UNKNOWN);
  v1::CheckResponse response;
  response.mutable_decision()->set_detail("d-1");
  std::move(later)(response);
  ASSERT_TRUE(reply.status_.ok());
  EXPECT_EQ(reply.bytes_, response.SerializeAsString());
}

TEST(MethodTableTest, HowAMethodIsAddedChoosesItsPool) {
  MethodTable methods;
  const char* service = "consent.v1.ConsentService";
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      service, "Check", MethodTable::Runs::kInline, Answer);
  methods.AddUnary<v1::CheckBatchRequest, v1::CheckBatchResponse>(
      service, "CheckBatch", MethodTable::Runs::kOnHandlerThread,
      [](const Caller&, const v1::CheckBatchRequest&, v1::CheckBatchResponse*) {
        return absl::OkStatus();
      });
  auto ignore = [](const Caller&, const v1::RecordObjectionRequest&,
                   MethodTable::Done<v1::RecordObjectionResponse>) {};
  methods.AddDeferred<v1::RecordObjectionRequest, v1::RecordObjectionResponse>(
      service, "RecordObjection", ignore, MethodTable::Priority::kUrgent);
  methods.AddDeferred<v1::RecordConsentRequest, v1::RecordConsentResponse>(
      service, "RecordConsent",
      [](const Caller&, const v1::RecordConsentRequest&,
         MethodTable::Done<v1::RecordConsentResponse>) {});
  methods.AddStream(
      "consent.v1.ScrubService", "Scrub",
      [](const Caller&, CallStream&) { return grpc::Status::OK; });
  auto pool = [&](const char* path) { return methods.Find(path)->pool; };
  EXPECT_EQ(pool("/consent.v1.ConsentService/Check"), MethodTable::Pool::kNone);
  EXPECT_EQ(pool("/consent.v1.ConsentService/CheckBatch"),
            MethodTable::Pool::kUnary);
  EXPECT_EQ(pool("/consent.v1.ConsentService/RecordObjection"),
            MethodTable::Pool::kDeferred);
  EXPECT_EQ(pool("/consent.v1.ScrubService/Scrub"), MethodTable::Pool::kStream);
  EXPECT_EQ(
      methods.Find("/consent.v1.ConsentService/RecordObjection")->priority,
      MethodTable::Priority::kUrgent);
  EXPECT_EQ(methods.Find("/consent.v1.ConsentService/RecordConsent")->priority,
            MethodTable::Priority::kNormal);
}

// Registrations the generated descriptors contradict.
void RegisterTypo() {
  MethodTable methods;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "Chekc", MethodTable::Runs::kInline, Answer);
}
void RegisterUnknownService() {
  MethodTable methods;
  methods.AddService("consent.v1.NoSuchService");
}
void RegisterWrongTypes() {
  MethodTable methods;
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      "consent.v1.ConsentService", "CheckBatch", MethodTable::Runs::kInline,
      Answer);
}
void RegisterUnaryAsStream() {
  MethodTable methods;
  methods.AddStream(
      "consent.v1.ConsentService", "Check",
      [](const Caller&, CallStream&) { return grpc::Status::OK; });
}

TEST(MethodTableDeathTest, AMethodNotDeclaredIsAProgrammingError) {
  EXPECT_DEATH(RegisterTypo(), "not declared");
  EXPECT_DEATH(RegisterUnknownService(), "not declared");
}

TEST(MethodTableDeathTest, TheWrongMessageTypesAreAProgrammingError) {
  EXPECT_DEATH(RegisterWrongTypes(), "wrong message types");
  EXPECT_DEATH(RegisterUnaryAsStream(), "wrong kind");
}

}  // namespace
}  // namespace consentd::rpc
