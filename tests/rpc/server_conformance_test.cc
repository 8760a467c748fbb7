// What every rpc::Server must do with a MethodTable, whichever library
// serves it. The same file builds two tests (tests/CMakeLists.txt): one
// linked with rpc_queue_server, one with rpc_callback_server; each runs
// against the server its binary links (rpc/server.h).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "consent/v1/consent.grpc.pb.h"
#include "consent/v1/scrub.grpc.pb.h"
#include "consent/v1/suppression.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "rpc/server.h"
#include "tests/testing/test_certificates.h"
#include "tests/testing/unary_call.h"

namespace consentd::rpc {
namespace {

namespace v1 = ::consent::v1;
namespace health = ::grpc::health::v1;
using ::testing::HasSubstr;

constexpr char kConsent[] = "consent.v1.ConsentService";
constexpr char kScrub[] = "consent.v1.ScrubService";
constexpr char kLists[] = "consent.v1.SuppressionListService";

// How long a test waits for something that must happen: long enough never
// to run out on a loaded machine while the code is right.
constexpr absl::Duration kPatience = absl::Seconds(20);
// How long a held handler waits to be released; every test releases it
// before the server stops, this is only a backstop.
constexpr absl::Duration kHeldAtMost = absl::Seconds(60);

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
}

void Release(absl::Notification& release) {
  if (!release.HasBeenNotified()) release.Notify();
}

// A Scrub stream the test holds open; cancelled when dropped.
struct OpenScrub {
  ~OpenScrub() {
    if (context != nullptr) context->TryCancel();
  }
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ScrubRequest, v1::ScrubResponse>>
      stream;
  // Whether the handler answered the first message; if not, the status the
  // call ended with.
  bool running = false;
  grpc::Status refused;
};

// Unary calls started at once, each answered on gRPC's callback threads.
class CallsInFlight {
 public:
  void StartCheckBatch(v1::ConsentService::Stub* stub,
                       const std::string& purpose) {
    auto call =
        std::make_unique<Call<v1::CheckBatchRequest, v1::CheckBatchResponse>>();
    SetDeadline(&call->context);
    call->request.set_purpose(purpose);
    auto* raw = call.get();
    {
      absl::MutexLock lock(&mu_);
      batches_.push_back(std::move(call));
    }
    stub->async()->CheckBatch(&raw->context, &raw->request, &raw->response,
                              [this](grpc::Status status) { Ended(status); });
  }

  // The statuses of the first `n` calls to end, in the order they ended;
  // fewer when they did not all end within kPatience.
  std::vector<grpc::Status> AwaitEnded(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ended_.size() >= n;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), kPatience);
    return ended_;
  }

  // Waits for every call started to end, so none outlives the test.
  ~CallsInFlight() {
    size_t started;
    {
      absl::MutexLock lock(&mu_);
      started = batches_.size();
    }
    AwaitEnded(started);
  }

 private:
  template <typename Request, typename Response>
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
  };

  void Ended(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    ended_.push_back(status);
  }

  absl::Mutex mu_;
  std::vector<
      std::unique_ptr<Call<v1::CheckBatchRequest, v1::CheckBatchResponse>>>
      batches_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::Status> ended_ ABSL_GUARDED_BY(mu_);
};

class ServerConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterMethods();
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    StartServing(options);
  }

  void TearDown() override { Release(release_batches_); }

  void RegisterMethods() {
    // Admits every call as "anonymous" but those with the bearer token
    // "refused"; one with token "alice" as "alice". Keeps each call's Peer.
    methods_.set_admission([this](absl::string_view method,
                                  const Peer& peer) -> absl::StatusOr<Caller> {
      {
        absl::MutexLock lock(&peers_mu_);
        peers_.push_back(peer);
      }
      if (peer.bearer_token == "refused") {
        return absl::PermissionDeniedError(absl::StrCat("refused: ", method));
      }
      return Caller{peer.bearer_token == "alice" ? "alice" : "anonymous", 5};
    });
    // Check: inline, echoing the purpose; an empty purpose is refused.
    methods_.AddUnary<v1::CheckRequest, v1::CheckResponse>(
        kConsent, "Check", MethodTable::Runs::kInline,
        [](const Caller& caller, const v1::CheckRequest& request,
           v1::CheckResponse* response) {
          if (request.purpose().empty()) {
            return absl::InvalidArgumentError("purpose is required");
          }
          response->mutable_decision()->set_detail(request.purpose());
          response->mutable_decision()->set_policy_version(
              std::string(caller.principal));
          return absl::OkStatus();
        });
    // CheckBatch: on a handler thread, one decision a contact. With the
    // purpose "hold" it holds its thread until the test releases it.
    methods_.AddUnary<v1::CheckBatchRequest, v1::CheckBatchResponse>(
        kConsent, "CheckBatch", MethodTable::Runs::kOnHandlerThread,
        [this](const Caller&, const v1::CheckBatchRequest& request,
               v1::CheckBatchResponse* response) {
          if (request.purpose() == "hold") {
            {
              absl::MutexLock lock(&held_mu_);
              ++batches_held_;
            }
            release_batches_.WaitForNotificationWithTimeout(kHeldAtMost);
          }
          for (int i = 0; i < request.contacts_size(); ++i) {
            response->add_decisions();
          }
          return absl::OkStatus();
        });
    // RecordObjection: answered later, from a thread of its own.
    methods_
        .AddDeferred<v1::RecordObjectionRequest, v1::RecordObjectionResponse>(
            kConsent, "RecordObjection",
            [](const Caller&, const v1::RecordObjectionRequest&,
               MethodTable::Done<v1::RecordObjectionResponse> done) {
              std::thread([done = std::move(done)]() mutable {
                v1::RecordObjectionResponse response;
                response.add_fact_ids(7);
                std::move(done)(response);
              }).detach();
            });
    // Scrub: answers each message with one, then says whether it ended
    // broken; a stream that ends broken reports it to the test.
    methods_.AddStream(
        kScrub, "Scrub", [this](const Caller&, CallStream& stream) {
          v1::ScrubRequest request;
          int read = 0;
          while (stream.Read(&request)) {
            ++read;
            v1::ScrubResponse response;
            response.mutable_rows();
            if (!stream.Write(response)) {
              // Broken() is reliable only once a read has failed.
              while (stream.Read(&request)) {
              }
              break;
            }
          }
          if (stream.Broken()) {
            // Several streams may break in one test; the first tells.
            if (streams_broken_.fetch_add(1) == 0) stream_broke_.Notify();
            return grpc::Status(grpc::StatusCode::CANCELLED, "broken");
          }
          v1::ScrubResponse last;
          last.mutable_receipt()->set_rows_total(read);
          stream.Write(last);
          return grpc::Status::OK;
        });
    // ImportList: waits for the call's end or the server's drain, and
    // says which came.
    methods_.AddStream(kLists, "ImportList",
                       [this](const Caller&, CallStream& stream) {
                         await_started_.Notify();
                         drained_ = stream.AwaitEndOrDrain();
                         await_returned_.Notify();
                         return grpc::Status::OK;
                       });
  }

  void StartServing(const ServerOptions& options) {
    absl::StatusOr<std::unique_ptr<Server>> server =
        StartServer(options, &methods_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
  }

  // A channel of its own connection to the server: gRPC otherwise shares
  // one connection among channels to the same address.
  std::shared_ptr<grpc::Channel> OtherConnection() {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(
        server_->address(), grpc::InsecureChannelCredentials(), arguments);
  }

  // Opens a Scrub stream on `channel` (as "alice" for that token) and
  // sends one message; running once its handler has answered it.
  std::unique_ptr<OpenScrub> StartScrub(
      const std::shared_ptr<grpc::Channel>& channel,
      const std::string& token = "") {
    auto open = std::make_unique<OpenScrub>();
    open->context = std::make_unique<grpc::ClientContext>();
    SetDeadline(open->context.get());
    if (!token.empty()) {
      open->context->AddMetadata("authorization", "Bearer " + token);
    }
    open->stream =
        v1::ScrubService::NewStub(channel)->Scrub(open->context.get());
    v1::ScrubRequest request;
    request.mutable_rows();
    v1::ScrubResponse response;
    if (open->stream->Write(request) && open->stream->Read(&response)) {
      open->running = true;
    } else {
      open->refused = open->stream->Finish();
    }
    return open;
  }

  // Ends a running Scrub stream as a client that has sent everything.
  static grpc::Status FinishScrub(OpenScrub& open) {
    open.stream->WritesDone();
    v1::ScrubResponse response;
    while (open.stream->Read(&response)) {
    }
    return open.stream->Finish();
  }

  // Waits until `n` held batches have started.
  bool AwaitBatchesHeld(int n) {
    absl::MutexLock lock(&held_mu_);
    auto held = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(held_mu_) {
      return batches_held_ >= n;
    };
    return held_mu_.AwaitWithTimeout(absl::Condition(&held), kPatience);
  }

  grpc::Status CheckBatch(const std::string& purpose) {
    auto stub = v1::ConsentService::NewStub(channel_);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CheckBatchRequest request;
    request.set_purpose(purpose);
    v1::CheckBatchResponse response;
    return stub->CheckBatch(&context, request, &response);
  }

  grpc::Status RecordObjection() {
    auto stub = v1::ConsentService::NewStub(channel_);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::RecordObjectionResponse response;
    return stub->RecordObjection(&context, v1::RecordObjectionRequest(),
                                 &response);
  }

  grpc::Status CallGeneric(const std::string& method,
                           const std::string& payload) {
    return testing::CallUnary(channel_, method, payload);
  }

  // Opens an ImportList call and returns once its handler awaits the end;
  // null when it did not start.
  std::unique_ptr<grpc::ClientWriter<v1::ImportListRequest>>
  StartAwaitingStream(grpc::ClientContext* context,
                      v1::SuppressionList* answer) {
    auto stream = v1::SuppressionListService::NewStub(channel_)->ImportList(
        context, answer);
    if (!stream->Write(v1::ImportListRequest()) ||
        !await_started_.WaitForNotificationWithTimeout(absl::Seconds(60))) {
      return nullptr;
    }
    return stream;
  }

  MethodTable methods_;
  absl::Notification release_batches_;
  absl::Mutex held_mu_;
  int batches_held_ ABSL_GUARDED_BY(held_mu_) = 0;
  std::atomic<int> streams_broken_{0};
  absl::Notification stream_broke_;
  absl::Notification await_started_;
  absl::Notification await_returned_;
  bool drained_ = false;  // set before await_returned_
  absl::Mutex peers_mu_;
  std::vector<Peer> peers_ ABSL_GUARDED_BY(peers_mu_);
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerConformanceTest, AnInlineMethodAnswers) {
  auto stub = v1::ConsentService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CheckRequest request;
  request.set_purpose("marketing");
  v1::CheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.decision().detail(), "marketing");
}

TEST_F(ServerConformanceTest, TheHandlerGetsTheCallerTheAdmissionNamed) {
  auto stub = v1::ConsentService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata("authorization", "Bearer alice");
  v1::CheckRequest request;
  request.set_purpose("marketing");
  v1::CheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.decision().policy_version(), "alice");
  absl::MutexLock lock(&peers_mu_);
  ASSERT_FALSE(peers_.empty());
  EXPECT_EQ(peers_.back().bearer_token, "alice");
  EXPECT_FALSE(peers_.back().tls);
  EXPECT_FALSE(peers_.back().verified_certificate);
}

TEST_F(ServerConformanceTest, ACallTheAdmissionRefusesReachesNoHandler) {
  auto stub = v1::ConsentService::NewStub(channel_);
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    context.AddMetadata("authorization", "Bearer refused");
    v1::RecordObjectionResponse response;
    grpc::Status status = stub->RecordObjection(
        &context, v1::RecordObjectionRequest(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(),
              "refused: /consent.v1.ConsentService/RecordObjection");
    EXPECT_EQ(response.fact_ids_size(), 0);
  }
  // A stream too: its handler would have answered with a receipt.
  auto scrub = v1::ScrubService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata("authorization", "Bearer refused");
  auto stream = scrub->Scrub(&context);
  stream->WritesDone();
  v1::ScrubResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerConformanceTest, TlsCarriesTheClientCertificateToTheAdmission) {
  testing::TestCertificateAuthority ca("conformance CA");
  testing::KeyPair server_keys = ca.IssueServer();
  testing::KeyPair client_keys = ca.IssueClient(
      "dialer-1", "spiffe://callcentre.example/dialer/ljubljana-1");
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.tls = TlsOptions{server_keys.certificate, server_keys.private_key,
                           ca.certificate()};
  MethodTable methods;
  absl::Mutex mu;
  std::vector<Peer> peers;
  methods.set_admission(
      [&](absl::string_view, const Peer& peer) -> absl::StatusOr<Caller> {
        absl::MutexLock lock(&mu);
        peers.push_back(peer);
        return Caller{"tls-caller", 1};
      });
  methods.AddUnary<v1::CheckRequest, v1::CheckResponse>(
      kConsent, "Check", MethodTable::Runs::kInline,
      [](const Caller& caller, const v1::CheckRequest&,
         v1::CheckResponse* response) {
        response->mutable_decision()->set_policy_version(
            std::string(caller.principal));
        return absl::OkStatus();
      });
  absl::StatusOr<std::unique_ptr<Server>> server =
      StartServer(options, &methods);
  ASSERT_TRUE(server.ok()) << server.status();

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca.certificate();
  ssl.pem_cert_chain = client_keys.certificate;
  ssl.pem_private_key = client_keys.private_key;
  auto stub = v1::ConsentService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CheckResponse response;
  grpc::Status status = stub->Check(&context, v1::CheckRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.decision().policy_version(), "tls-caller");
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(peers.size(), 1u);
    EXPECT_TRUE(peers[0].tls);
    EXPECT_TRUE(peers[0].verified_certificate);
    EXPECT_THAT(peers[0].certificate_uris,
                ::testing::ElementsAre(
                    "spiffe://callcentre.example/dialer/ljubljana-1"));
    EXPECT_EQ(peers[0].certificate_common_name, "dialer-1");
  }

  // A plain-text client cannot talk to a TLS port, and a certificate from
  // another CA fails the handshake: neither reaches the admission.
  auto plain = v1::ConsentService::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  SetDeadline(&plain_context);
  EXPECT_EQ(
      plain->Check(&plain_context, v1::CheckRequest(), &response).error_code(),
      grpc::StatusCode::UNAVAILABLE);
  testing::TestCertificateAuthority rogue("rogue CA");
  testing::KeyPair rogue_keys = rogue.IssueClient("dialer-1", "");
  ssl.pem_cert_chain = rogue_keys.certificate;
  ssl.pem_private_key = rogue_keys.private_key;
  auto impostor = v1::ConsentService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::SslCredentials(ssl)));
  grpc::ClientContext impostor_context;
  SetDeadline(&impostor_context);
  EXPECT_EQ(impostor->Check(&impostor_context, v1::CheckRequest(), &response)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(peers.size(), 1u);
}

TEST_F(ServerConformanceTest, AHandlersErrorReachesTheClientAsItIs) {
  auto stub = v1::ConsentService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CheckResponse response;
  grpc::Status status = stub->Check(&context, v1::CheckRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "purpose is required");
}

TEST_F(ServerConformanceTest, AMethodOnAHandlerThreadAnswers) {
  auto stub = v1::ConsentService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CheckBatchRequest request;
  request.add_contacts();
  request.add_contacts();
  v1::CheckBatchResponse response;
  grpc::Status status = stub->CheckBatch(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.decisions_size(), 2);
}

TEST_F(ServerConformanceTest, ADeferredAnswerArrivesFromAnotherThread) {
  auto stub = v1::ConsentService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::RecordObjectionResponse response;
  grpc::Status status =
      stub->RecordObjection(&context, v1::RecordObjectionRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(response.fact_ids(), ::testing::ElementsAre(7));
}

TEST_F(ServerConformanceTest, AMethodNotInTheTableIsUnimplemented) {
  grpc::Status status =
      CallGeneric("/consent.v1.ConsentService/ExplainCheck", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(status.error_message(), "method not served by this server")
      << "the server's table, not gRPC, must have answered";
}

TEST_F(ServerConformanceTest, AnUnparsableRequestIsInternal) {
  // A length-delimited field whose length runs off the end.
  grpc::Status status = CallGeneric("/consent.v1.ConsentService/Check",
                                    std::string("\x0a\xff\xff\xff\xff"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("does not parse"));
}

TEST_F(ServerConformanceTest, AStreamReadsEveryMessageAndAnswersEach) {
  auto stub = v1::ScrubService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = stub->Scrub(&context);
  constexpr int kMessages = 20;  // more than any read-ahead
  for (int i = 0; i < kMessages; ++i) {
    v1::ScrubRequest request;
    request.mutable_rows();
    ASSERT_TRUE(stream->Write(request));
  }
  ASSERT_TRUE(stream->WritesDone());
  v1::ScrubResponse response;
  int rows = 0;
  int64_t total = -1;
  while (stream->Read(&response)) {
    if (response.has_rows()) ++rows;
    if (response.has_receipt()) total = response.receipt().rows_total();
  }
  grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rows, kMessages);
  EXPECT_EQ(total, kMessages);
}

TEST_F(ServerConformanceTest, AStreamTheClientCancelsEndsBroken) {
  auto stub = v1::ScrubService::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = stub->Scrub(&context);
  v1::ScrubRequest request;
  request.mutable_rows();
  ASSERT_TRUE(stream->Write(request));
  v1::ScrubResponse response;
  ASSERT_TRUE(stream->Read(&response));  // the handler is running
  context.TryCancel();
  EXPECT_TRUE(stream_broke_.WaitForNotificationWithTimeout(absl::Seconds(60)))
      << "a cancelled stream must not look like one the client finished";
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerConformanceTest, HealthAnswersForTheServerAndEachService) {
  auto stub = health::Health::NewStub(channel_);
  for (const char* service : {"", kConsent, kScrub}) {
    grpc::ClientContext context;
    SetDeadline(&context);
    health::HealthCheckRequest request;
    request.set_service(service);
    health::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING)
        << service;
  }
  grpc::ClientContext context;
  SetDeadline(&context);
  health::HealthCheckRequest request;
  request.set_service("no.such.Service");
  health::HealthCheckResponse response;
  EXPECT_EQ(stub->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerConformanceTest, AHealthWatchHearsTheServerDrain) {
  auto stub = health::Health::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto watch = stub->Watch(&context, health::HealthCheckRequest());
  health::HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);
  std::thread drain([this] { server_->Shutdown(absl::Seconds(60)); });
  // Whatever happens below, the watch ends and the drain is joined.
  absl::Cleanup join = [&] {
    context.TryCancel();
    drain.join();
  };
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::NOT_SERVING);
}

TEST_F(ServerConformanceTest, AStreamAwaitingTheEndHearsTheClientCancel) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::SuppressionList answer;
  auto stream = StartAwaitingStream(&context, &answer);
  ASSERT_NE(stream, nullptr);
  context.TryCancel();
  ASSERT_TRUE(
      await_returned_.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_FALSE(drained_);
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerConformanceTest, AStreamAwaitingTheEndHearsTheServerDrain) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::SuppressionList answer;
  auto stream = StartAwaitingStream(&context, &answer);
  ASSERT_NE(stream, nullptr);
  std::thread drain([this] { server_->Shutdown(absl::Seconds(60)); });
  absl::Cleanup join = [&] {
    context.TryCancel();
    drain.join();
  };
  ASSERT_TRUE(
      await_returned_.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_TRUE(drained_);
}

TEST_F(ServerConformanceTest, ASecondServerOnTheSamePortFailsToStart) {
  MethodTable other;
  ServerOptions options;
  options.listen_address = server_->address();
  absl::StatusOr<std::unique_ptr<Server>> second = StartServer(options, &other);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

// The same table, served with the bounds each test sets.
class ServerLimitsTest : public ServerConformanceTest {
 protected:
  void SetUp() override { RegisterMethods(); }

  static ServerOptions Options() {
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    return options;
  }
};

TEST_F(ServerLimitsTest, ACallFindingItsPoolFullIsRefusedAtOnce) {
  ServerOptions options = Options();
  options.unary = {/*max_threads=*/1, /*max_queued=*/1};
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  auto stub = v1::ConsentService::NewStub(channel_);
  CallsInFlight calls;
  // Whatever happens below, the held batches end before `calls` goes.
  absl::Cleanup release = [this] { Release(release_batches_); };
  calls.StartCheckBatch(stub.get(), "hold");
  ASSERT_TRUE(AwaitBatchesHeld(1));
  // One of these two waits for the held thread; the other finds the queue
  // full and is answered while the first is still held.
  calls.StartCheckBatch(stub.get(), "hold");
  calls.StartCheckBatch(stub.get(), "hold");
  std::vector<grpc::Status> ended = calls.AwaitEnded(1);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(ended[0].error_message(), HasSubstr("server busy"));
  Release(release_batches_);
  ended = calls.AwaitEnded(3);
  ASSERT_EQ(ended.size(), 3u);
  EXPECT_TRUE(ended[1].ok()) << ended[1].error_message();
  EXPECT_TRUE(ended[2].ok()) << ended[2].error_message();
}

TEST_F(ServerLimitsTest, StreamsBatchesAndWritesEachHaveThreadsOfTheirOwn) {
  ServerOptions options = Options();
  options.unary = {/*max_threads=*/1, /*max_queued=*/0};
  options.deferred = {/*max_threads=*/1, /*max_queued=*/0};
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  // Two streams hold stream threads for the rest of the test...
  std::unique_ptr<OpenScrub> idle[2] = {StartScrub(channel_),
                                        StartScrub(channel_)};
  ASSERT_TRUE(idle[0]->running) << idle[0]->refused.error_message();
  ASSERT_TRUE(idle[1]->running) << idle[1]->refused.error_message();
  // ...and take nothing from batches: one gets the one batch thread and
  // holds it. (An answered batch may hold its thread a moment longer, so
  // no batch is answered first.)
  auto stub = v1::ConsentService::NewStub(channel_);
  CallsInFlight calls;
  // Whatever happens below, the held batches end before `calls` goes.
  absl::Cleanup release = [this] { Release(release_batches_); };
  calls.StartCheckBatch(stub.get(), "hold");
  ASSERT_TRUE(AwaitBatchesHeld(1));
  // The next batch is refused...
  EXPECT_EQ(CheckBatch("").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // ...but a write, and a new stream, run on threads of their own.
  grpc::Status write = RecordObjection();
  EXPECT_TRUE(write.ok()) << write.error_message();
  std::unique_ptr<OpenScrub> another = StartScrub(channel_);
  ASSERT_TRUE(another->running) << another->refused.error_message();
  grpc::Status scrubbed = FinishScrub(*another);
  EXPECT_TRUE(scrubbed.ok()) << scrubbed.error_message();
  Release(release_batches_);
  std::vector<grpc::Status> held = calls.AwaitEnded(1);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_TRUE(held[0].ok()) << held[0].error_message();
}

TEST_F(ServerLimitsTest, AStreamSilentPastTheIdleDeadlineIsCancelled) {
  ServerOptions options = Options();
  options.streams.idle_deadline = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  std::unique_ptr<OpenScrub> scrub = StartScrub(channel_);
  ASSERT_TRUE(scrub->running) << scrub->refused.error_message();
  // The client sends nothing more: the server ends the stream, well
  // before the client's own deadline.
  v1::ScrubResponse response;
  EXPECT_FALSE(scrub->stream->Read(&response));
  grpc::Status status = scrub->stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("stream idle"));
  EXPECT_TRUE(stream_broke_.WaitForNotificationWithTimeout(kPatience))
      << "a stream ended by its idle deadline must look broken, not finished";
}

TEST_F(ServerLimitsTest, AHealthWatchOutlivesTheIdleDeadline) {
  ServerOptions options = Options();
  options.streams.idle_deadline = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  auto stub = health::Health::NewStub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  auto watch = stub->Watch(&context, health::HealthCheckRequest());
  health::HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);
  // A stream opened after the watch passes its idle deadline: so has the
  // watch, which is still there to hear the drain.
  std::unique_ptr<OpenScrub> scrub = StartScrub(channel_);
  ASSERT_TRUE(scrub->running) << scrub->refused.error_message();
  v1::ScrubResponse ignored;
  EXPECT_FALSE(scrub->stream->Read(&ignored));
  ASSERT_EQ(scrub->stream->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  std::thread drain([this] { server_->Shutdown(absl::Seconds(60)); });
  absl::Cleanup join = [&] {
    context.TryCancel();
    drain.join();
  };
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::NOT_SERVING);
}

TEST_F(ServerLimitsTest, AStreamPastItsTotalDeadlineIsCancelled) {
  ServerOptions options = Options();
  options.streams.idle_deadline = absl::InfiniteDuration();
  options.streams.total_deadline = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::SuppressionList answer;
  auto stream = StartAwaitingStream(&context, &answer);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(await_returned_.WaitForNotificationWithTimeout(kPatience));
  EXPECT_FALSE(drained_);
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("total deadline"));
}

TEST_F(ServerLimitsTest, StreamsPastThePrincipalsLimitAreRefused) {
  ServerOptions options = Options();
  options.streams.max_streams_per_principal = 2;
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  std::unique_ptr<OpenScrub> first = StartScrub(channel_, "alice");
  std::unique_ptr<OpenScrub> second = StartScrub(channel_, "alice");
  ASSERT_TRUE(first->running) << first->refused.error_message();
  ASSERT_TRUE(second->running) << second->refused.error_message();
  std::unique_ptr<OpenScrub> third = StartScrub(channel_, "alice");
  EXPECT_FALSE(third->running);
  EXPECT_EQ(third->refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third->refused.error_message(),
              HasSubstr("principal alice has 2 open"));
  // Another principal is not held back by alice's streams.
  std::unique_ptr<OpenScrub> other = StartScrub(channel_);
  EXPECT_TRUE(other->running) << other->refused.error_message();
  // Once one of alice's streams has ended, she may open another.
  grpc::Status ended = FinishScrub(*first);
  ASSERT_TRUE(ended.ok()) << ended.error_message();
  std::unique_ptr<OpenScrub> again = StartScrub(channel_, "alice");
  EXPECT_TRUE(again->running) << again->refused.error_message();
}

TEST_F(ServerLimitsTest, StreamsPastTheConnectionsLimitAreRefused) {
  ServerOptions options = Options();
  options.streams.max_streams_per_connection = 2;
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  std::unique_ptr<OpenScrub> first = StartScrub(channel_);
  std::unique_ptr<OpenScrub> second = StartScrub(channel_);
  ASSERT_TRUE(first->running) << first->refused.error_message();
  ASSERT_TRUE(second->running) << second->refused.error_message();
  std::unique_ptr<OpenScrub> third = StartScrub(channel_);
  EXPECT_FALSE(third->running);
  EXPECT_EQ(third->refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third->refused.error_message(),
              HasSubstr("this connection has 2 open"));
  std::unique_ptr<OpenScrub> elsewhere = StartScrub(OtherConnection());
  EXPECT_TRUE(elsewhere->running) << elsewhere->refused.error_message();
}

TEST_F(ServerLimitsTest, StreamsPastTheServersLimitAreRefused) {
  ServerOptions options = Options();
  options.streams.max_streams = 2;
  ASSERT_NO_FATAL_FAILURE(StartServing(options));
  std::unique_ptr<OpenScrub> first = StartScrub(channel_, "alice");
  std::unique_ptr<OpenScrub> second = StartScrub(OtherConnection());
  ASSERT_TRUE(first->running) << first->refused.error_message();
  ASSERT_TRUE(second->running) << second->refused.error_message();
  std::unique_ptr<OpenScrub> third = StartScrub(OtherConnection());
  EXPECT_FALSE(third->running);
  EXPECT_EQ(third->refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third->refused.error_message(),
              HasSubstr("the server has 2 open"));
}

}  // namespace
}  // namespace consentd::rpc
