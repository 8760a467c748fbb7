// A real consentd under load: streams that sit idle and a flood of
// CheckBatch calls must not keep a refusal from being recorded, nor delay
// it far beyond its unloaded latency; and a caller's rate limit refuses its
// checks but never its refusals.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "consent/v1/consent.grpc.pb.h"
#include "consent/v1/scrub.grpc.pb.h"
#include "crypto/digest.h"
#include "crypto/sha256.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

namespace v1 = ::consent::v1;
namespace health = ::grpc::health::v1;
using testing::ConsentdProcess;

// Idle streams: half Scrub streams that sent their header and one row and
// then nothing, half health watches; spread over connections and two
// campaign tools, as many clients would open them, within the default
// limits per connection (100) and per principal (128).
constexpr int kConnections = 4;
constexpr int kStreamsPerConnection = 50;
// The flood: a client thread per connection, each keeping this many
// CheckBatch calls in flight; together more than the server's batch
// threads and queue hold, so some are refused.
constexpr int kBatchesInFlight = 48;
constexpr int kContactsPerBatch = 100;
// Objections timed unloaded and then under load; the medians are compared.
constexpr int kObjections = 5;

// Bearer tokens of the callers access.textproto names.
constexpr const char* kCampaignTokens[] = {"campaign-a-token",
                                           "campaign-b-token"};
constexpr char kDialerToken[] = "dialer-token";

std::string Caller(const std::string& principal, const std::string& roles,
                   const std::string& token, int calls_per_second = 0) {
  return absl::StrCat("callers { principal: \"", principal, "\" roles: \"",
                      roles, "\" token_sha256: \"",
                      crypto::DigestHex(crypto::Sha256(token)),
                      "\" max_calls_per_second: ", calls_per_second, " }\n");
}

// Starts consentd with `access` as its access config.
absl::StatusOr<ConsentdProcess> StartWithAccess(const testing::TempDir& dir,
                                                const std::string& access) {
  {
    std::ofstream file(dir.File("access.textproto"));
    file << access;
  }
  return ConsentdProcess::Start(
      dir.File("data"), {"--dev", "--access", dir.File("access.textproto")});
}

void Authorize(grpc::ClientContext* context, const std::string& token) {
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

std::chrono::system_clock::time_point In(absl::Duration duration) {
  return std::chrono::system_clock::now() +
         absl::ToChronoMilliseconds(duration);
}

// A channel on a connection of its own (gRPC otherwise shares one among
// channels to the same address).
std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

absl::Duration Median(std::vector<absl::Duration> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Records a global objection for a fresh number; its latency, or the
// status it failed with.
struct Objection {
  grpc::Status status;
  absl::Duration took;
};
Objection RecordObjection(v1::ConsentService::Stub& stub, int n) {
  v1::RecordObjectionRequest request;
  request.add_identifiers()->set_phone(absl::StrCat("+3864055", 1000 + n));
  request.mutable_evidence()->set_collection_method(
      v1::COLLECTION_METHOD_RECORDED_CALL);
  request.mutable_evidence()->set_evidence_reference(absl::StrCat("call-", n));
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(20)));
  Authorize(&context, kDialerToken);
  v1::RecordObjectionResponse response;
  const absl::Time start = absl::Now();
  Objection objection;
  objection.status = stub.RecordObjection(&context, request, &response);
  objection.took = absl::Now() - start;
  return objection;
}

// The streams the test holds open; cancelled when dropped.
class IdleStreams {
 public:
  ~IdleStreams() {
    for (const auto& context : contexts_) context->TryCancel();
  }

  // A Scrub stream that sent its header and one row, had the row
  // answered, and sends nothing more. False when it was not served.
  bool OpenScrub(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& token) {
    grpc::ClientContext* context = NewContext(token);
    auto stream = v1::ScrubService::NewStub(channel)->Scrub(context);
    v1::ScrubRequest header;
    header.mutable_header()->set_purpose("marketing");
    header.mutable_header()->set_channel("phone");
    header.mutable_header()->set_default_region("SI");
    v1::ScrubRequest rows;
    v1::ScrubRow* row = rows.mutable_rows()->add_rows();
    row->set_row_id("1");
    row->add_identifiers()->set_phone("031 123 456");
    v1::ScrubResponse response;
    if (!stream->Write(header) || !stream->Write(rows) ||
        !stream->Read(&response)) {
      last_failure_ = stream->Finish();
      return false;
    }
    scrubs_.push_back(std::move(stream));
    return true;
  }

  // How the last stream that was not served ended.
  const grpc::Status& last_failure() const { return last_failure_; }

  // A health watch that heard SERVING and waits for more.
  bool OpenWatch(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& token) {
    grpc::ClientContext* context = NewContext(token);
    auto watch = health::Health::NewStub(channel)->Watch(
        context, health::HealthCheckRequest());
    health::HealthCheckResponse response;
    if (!watch->Read(&response) ||
        response.status() != health::HealthCheckResponse::SERVING) {
      last_failure_ = watch->Finish();
      return false;
    }
    watches_.push_back(std::move(watch));
    return true;
  }

 private:
  grpc::ClientContext* NewContext(const std::string& token) {
    contexts_.push_back(std::make_unique<grpc::ClientContext>());
    // Past the test's end, but within ctest's bound should a stream never
    // be served.
    contexts_.back()->set_deadline(In(absl::Seconds(60)));
    Authorize(contexts_.back().get(), token);
    return contexts_.back().get();
  }

  grpc::Status last_failure_;
  // Contexts first, so destroyed after the streams that use them.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_;
  std::vector<std::unique_ptr<
      grpc::ClientReaderWriter<v1::ScrubRequest, v1::ScrubResponse>>>
      scrubs_;
  std::vector<std::unique_ptr<grpc::ClientReader<health::HealthCheckResponse>>>
      watches_;
};

// One client thread keeping kBatchesInFlight CheckBatch calls in flight
// on its channel until told to stop; counts how they ended.
class BatchFlood {
 public:
  BatchFlood(std::shared_ptr<grpc::Channel> channel,
             const v1::CheckBatchRequest* request, std::atomic<bool>* stop)
      : stub_(v1::ConsentService::NewStub(std::move(channel))),
        request_(request),
        stop_(stop),
        thread_([this] { Run(); }) {}
  ~BatchFlood() { Join(); }

  // Once `stop` is set: returns when every call in flight has ended.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // True once `n` calls have ended; false when they did not within
  // `patience`.
  bool AwaitEnded(int n, absl::Duration patience) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ended_count_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), patience);
  }

  // Calls ended so far, by status code.
  std::map<grpc::StatusCode, int> Ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::CheckBatchResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CheckBatchResponse>>
        reader;
  };

  void Start() {
    auto* call = new Call();
    call->context.set_deadline(In(absl::Seconds(30)));
    Authorize(&call->context, kDialerToken);
    call->reader = stub_->AsyncCheckBatch(&call->context, *request_, &queue_);
    call->reader->Finish(&call->response, &call->status, call);
  }

  void Run() {
    int in_flight = 0;
    for (; in_flight < kBatchesInFlight; ++in_flight) Start();
    void* tag;
    bool ok;
    while (in_flight > 0 && queue_.Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      {
        absl::MutexLock lock(&mu_);
        ++ended_[call->status.error_code()];
        ++ended_count_;
      }
      if (stop_->load()) {
        --in_flight;
      } else {
        Start();
      }
    }
    queue_.Shutdown();
    while (queue_.Next(&tag, &ok)) {
    }
  }

  std::unique_ptr<v1::ConsentService::Stub> stub_;
  const v1::CheckBatchRequest* const request_;
  std::atomic<bool>* const stop_;
  grpc::CompletionQueue queue_;
  absl::Mutex mu_;
  std::map<grpc::StatusCode, int> ended_ ABSL_GUARDED_BY(mu_);
  int ended_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;  // last: started once the rest is built
};

TEST(LoadIntegrationTest, ARefusalCommitsWhileStreamsIdleAndBatchesFlood) {
  testing::TempDir dir;
  absl::StatusOr<ConsentdProcess> server = StartWithAccess(
      dir, Caller("campaign-a", "campaign", kCampaignTokens[0]) +
               Caller("campaign-b", "campaign", kCampaignTokens[1]) +
               Caller("dialer-1", "dialer", kDialerToken));
  ASSERT_TRUE(server.ok()) << server.status();
  auto writer = v1::ConsentService::NewStub(Connect(server->address()));

  // Unloaded: the latency of a refusal on this host, now.
  std::vector<absl::Duration> unloaded;
  for (int i = 0; i < kObjections; ++i) {
    Objection objection = RecordObjection(*writer, i);
    ASSERT_TRUE(objection.status.ok()) << objection.status.error_message();
    unloaded.push_back(objection.took);
  }

  // 200 streams that hold a thread each and send nothing.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  IdleStreams idle;
  for (int c = 0; c < kConnections; ++c) {
    channels.push_back(Connect(server->address()));
    for (int s = 0; s < kStreamsPerConnection; s += 2) {
      const std::string token = kCampaignTokens[c % 2];
      ASSERT_TRUE(idle.OpenScrub(channels.back(), token))
          << "scrub " << c << "/" << s << ": "
          << idle.last_failure().error_message();
      ASSERT_TRUE(idle.OpenWatch(channels.back(), token))
          << "watch " << c << "/" << s << ": "
          << idle.last_failure().error_message();
    }
  }

  // The flood, from a thread per connection.
  v1::CheckBatchRequest batch;
  batch.set_default_region("SI");
  batch.set_purpose("marketing");
  batch.set_channel("phone");
  for (int i = 0; i < kContactsPerBatch; ++i) {
    v1::BatchContact* contact = batch.add_contacts();
    contact->set_row_id(absl::StrCat(i));
    contact->add_identifiers()->set_phone(absl::StrCat("041 ", 100000 + i));
  }
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<BatchFlood>> floods;
  absl::Cleanup stop_floods = [&] {
    stop = true;
    for (const auto& flood : floods) flood->Join();
  };
  for (const auto& channel : channels) {
    floods.push_back(std::make_unique<BatchFlood>(channel, &batch, &stop));
  }
  // Under way: each flood has seen a round of its calls end.
  for (const auto& flood : floods) {
    ASSERT_TRUE(flood->AwaitEnded(kBatchesInFlight, absl::Seconds(60)))
        << "the flood never got going";
  }

  // Loaded: every refusal still commits, and in reasonable time.
  std::vector<absl::Duration> loaded;
  for (int i = 0; i < kObjections; ++i) {
    Objection objection = RecordObjection(*writer, kObjections + i);
    ASSERT_TRUE(objection.status.ok()) << objection.status.error_message();
    loaded.push_back(objection.took);
  }
  std::move(stop_floods).Invoke();

  // Twenty times a millisecond's fsync is within a loaded scheduler's
  // noise (the flood keeps every core busy); the floor keeps the bound
  // about starvation (seconds, or no answer at all while idle streams held
  // every handler thread) rather than about how busy the host is.
  const absl::Duration bound =
      std::min(absl::Seconds(2),
               std::max(20 * Median(unloaded), absl::Milliseconds(500)));
  EXPECT_LT(Median(loaded), bound)
      << "unloaded median " << Median(unloaded) << ", loaded "
      << absl::StrJoin(loaded, ", ", [](std::string* out, absl::Duration d) {
           absl::StrAppend(out, absl::FormatDuration(d));
         });
  // The flood ended as a client may expect: answered, or refused at once
  // when the server had no room.
  for (const auto& flood : floods) {
    for (const auto& [code, count] : flood->Ended()) {
      EXPECT_TRUE(code == grpc::StatusCode::OK ||
                  code == grpc::StatusCode::RESOURCE_EXHAUSTED)
          << count << " batches ended with code " << code;
    }
  }
}

TEST(LoadIntegrationTest, ARateLimitRefusesChecksButNeverRefusals) {
  testing::TempDir dir;
  absl::StatusOr<ConsentdProcess> server = StartWithAccess(
      dir, Caller("dialer-1", "dialer", kDialerToken, /*calls_per_second=*/1));
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::ConsentService::NewStub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));

  constexpr int kChecks = 10;
  int allowed = 0;
  int limited = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kChecks; ++i) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(20)));
    Authorize(&context, kDialerToken);
    v1::CheckRequest request;
    request.add_identifiers()->set_phone("+38631123456");
    request.set_purpose("marketing");
    request.set_channel("phone");
    v1::CheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok()) {
      ++allowed;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_EQ(status.error_message(),
                "rate limit: principal dialer-1 may make 1 calls a second; "
                "retry later");
      ++limited;
    }
  }
  // One at once, then one a second: however slowly this host made the
  // calls, no more got through.
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  EXPECT_GE(allowed, 1);
  EXPECT_LE(allowed, 1 + static_cast<int>(std::ceil(seconds)));
  EXPECT_EQ(allowed + limited, kChecks);

  // The same caller, out of calls, still records a refusal.
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(20)));
  Authorize(&context, kDialerToken);
  v1::RecordObjectionRequest objection;
  objection.add_identifiers()->set_phone("+38631123456");
  objection.mutable_evidence()->set_collection_method(
      v1::COLLECTION_METHOD_RECORDED_CALL);
  objection.mutable_evidence()->set_evidence_reference("call-1");
  v1::RecordObjectionResponse response;
  grpc::Status status = stub->RecordObjection(&context, objection, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace consentd
