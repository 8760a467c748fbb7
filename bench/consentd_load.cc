// consentd_load: load against a running consentd over loopback, for
// bench/run. Prints one line of key=value results.
//
//   consentd_load --server 127.0.0.1:50051 --mode check --concurrency 16
//                 --seconds 10 [--rate 5000] [--national]
//   consentd_load --mode batch --batch 1000 [--include-identifiers] ...
//                                                  (CheckBatch, identifiers/s)
//   consentd_load --mode write ...                 (durable RecordObjection)
//   consentd_load --mode health ...   (gRPC's own health check on the same
//                                      server: the transport's floor)
//   consentd_load --ca ca.crt [--cert client.crt --key client.key]
//                 [--server-name NAME] ...        (TLS; mutual with --cert)
//
// Numbers are Slovenian mobiles +38640xxxxxx with xxxxxx drawn uniformly from
// [100000, 100000 + --numbers); bench/run seeds the first half of that range
// onto a suppression list, so about half the checks hit.
//
// Calls go out on gRPC's completion-queue API, drained by one thread per
// core, as redis-benchmark runs one event loop: the client shares the
// machine's cores with consentd, so it should spend them on calls, not on
// thread hand-offs (gRPC's callback client API hands every completion to a
// thread of its own; this way the thread that reads an answer also sends the
// slot's next call). Each of the --concurrency slots has its own connection
// (redis-benchmark opens one per client too).
//
// Without --rate the load is closed-loop: each slot keeps one call in
// flight. With --rate it is open-loop: calls leave at their scheduled times
// (each slot paced by a thread of its own) whatever is still in flight, and
// each latency counts from the scheduled time, so a stalled server shows as
// latency rather than as fewer requests. send_lag_p99_us reports how late
// the client itself sent.
//
// With --ca every slot's connection is TLS (grpc::SslCredentials), the
// server's certificate checked against that CA, and with --cert and --key
// the client shows its certificate (mutual TLS), as a dialer does;
// consentd finds its caller in its access file by that certificate. The
// handshakes happen in the warm-up, before the clock starts.
#include <google/protobuf/arena.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/security/credentials.h>
#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "consent/v1/consent.grpc.pb.h"

namespace consentd {
namespace {

using Clock = std::chrono::steady_clock;
using consent::v1::ConsentService;

constexpr auto kCallTimeout = std::chrono::seconds(30);

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string mode = "check";
  int concurrency = 16;
  double seconds = 10;
  double rate = 0;  // requests/s in all; 0 = as fast as answered
  int batch = 1000;
  int numbers = 200000;
  bool national = false;
  bool include_identifiers = false;
  // TLS, when `ca` is not empty: PEM texts, read from --ca, --cert, --key.
  std::string ca;
  std::string certificate_chain;
  std::string private_key;
  std::string server_name;  // the name the server's certificate must carry
};

std::shared_ptr<grpc::ChannelCredentials> Credentials(const Options& options) {
  if (options.ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.ca;
  ssl.pem_cert_chain = options.certificate_chain;
  ssl.pem_private_key = options.private_key;
  return grpc::SslCredentials(ssl);
}

// The whole file at `path`, or false.
bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream contents;
  contents << file.rdbuf();
  *text = contents.str();
  return !file.bad();
}

std::string Number(std::mt19937_64& random, const Options& options) {
  int suffix = 100000 + static_cast<int>(random() % options.numbers);
  if (options.national) {
    std::string digits = absl::StrCat(suffix);
    return absl::StrCat("040 ", digits.substr(0, 3), " ", digits.substr(3));
  }
  return absl::StrCat("+38640", suffix);
}

// What one finished call reports.
struct Outcome {
  bool ok = false;
  int64_t identifiers = 0;
};

// One call in flight: its completion-queue tag.
struct Call {
  virtual ~Call() = default;
  grpc::ClientContext context;
  grpc::Status status;
  int64_t identifiers = 0;
  std::function<void(Outcome)> done;
  // Reads the answer once the call is done; false if it is no answer.
  virtual bool Parse() { return true; }
};

// Threads (`count` of them), each draining a completion queue of its own and
// running the completions (and so the next sends) inline: the client's calls
// cost no thread hand-offs, as redis-benchmark's event loop costs none.
class Drivers {
 public:
  explicit Drivers(int count) : queues_(count) {
    for (grpc::CompletionQueue& queue : queues_) {
      threads_.emplace_back([&queue] {
        void* tag = nullptr;
        bool ok = false;
        while (queue.Next(&tag, &ok)) {
          std::unique_ptr<Call> call(static_cast<Call*>(tag));
          std::function<void(Outcome)> done = std::move(call->done);
          const Outcome outcome{ok && call->status.ok() && call->Parse(),
                                call->identifiers};
          call.reset();
          done(outcome);
        }
      });
    }
  }
  ~Drivers() {
    for (grpc::CompletionQueue& queue : queues_) queue.Shutdown();
    for (std::thread& thread : threads_) thread.join();
  }

  grpc::CompletionQueue* For(size_t slot) {
    return &queues_[slot % queues_.size()];
  }

 private:
  std::deque<grpc::CompletionQueue> queues_;
  std::vector<std::thread> threads_;
};

// A slot's connection and requests, drawn before the clock starts (as
// redis-benchmark prepares its commands). Checks cycle through a deck of
// kDeckIdentifiers numbers per slot, serialised once, as redis-benchmark
// formats each command once: the client's CPU, on the cores consentd
// shares, goes to calls and answers. Writes are made fresh, each to a new
// address.
class Slot {
 public:
  static constexpr int kDeckIdentifiers = 8192;

  Slot(const Options& options, int index, grpc::CompletionQueue* queue)
      : options_(options), random_(index * 7919 + 1), queue_(queue) {
    grpc::ChannelArguments arguments;
    // A connection of its own, not one shared through the subchannel pool.
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // No retry policy is configured, yet gRPC's retry filter wraps every
    // call unless retries are off, and its bookkeeping is client CPU spent
    // on the cores consentd shares.
    arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    if (!options.server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.server_name);
    }
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        options.server, Credentials(options), arguments);
    stub_ = ConsentService::NewStub(channel);
    generic_ = std::make_unique<grpc::GenericStub>(channel);
    if (options.mode == "check") {
      for (int i = 0; i < kDeckIdentifiers; ++i) {
        consent::v1::CheckRequest request;
        request.add_identifiers()->set_phone(Number(random_, options));
        request.set_default_region("SI");
        request.set_purpose("customer-care");
        request.set_channel("email");
        deck_.push_back(Serialise(request));
      }
    } else if (options.mode == "batch") {
      const int batches = std::max(1, kDeckIdentifiers / options.batch);
      for (int b = 0; b < batches; ++b) {
        consent::v1::CheckBatchRequest request;
        request.set_default_region("SI");
        request.set_purpose("customer-care");
        request.set_channel("email");
        request.set_include_identifiers(options.include_identifiers);
        for (int i = 0; i < options.batch; ++i) {
          request.add_contacts()->add_identifiers()->set_phone(
              Number(random_, options));
        }
        deck_.push_back(Serialise(request));
      }
    } else if (options.mode == "health") {
      // An empty HealthCheckRequest (the server as a whole) is no bytes,
      // as is an Empty.
      deck_.push_back(Serialise(google::protobuf::Empty()));
    }
  }

  // Starts the slot's next call; `done` gets its outcome on the thread
  // draining the slot's completion queue. Calls on one slot must not overlap
  // (the deck and random are its own).
  template <typename Done>
  void Send(int64_t sequence, Done done) {
    ++next_;
    if (options_.mode == "check") {
      StartSerialised<consent::v1::CheckResponse>(
          "/consent.v1.ConsentService/Check", 1, std::move(done));
    } else if (options_.mode == "batch") {
      StartSerialised<consent::v1::CheckBatchResponse>(
          "/consent.v1.ConsentService/CheckBatch", options_.batch,
          std::move(done));
    } else if (options_.mode == "health") {
      // The answer (status SERVING) is read as an Empty, its one field kept
      // as unknown: gRPC's health proto is not installed with it.
      StartSerialised<google::protobuf::Empty>("/grpc.health.v1.Health/Check",
                                               0, std::move(done));
    } else {
      auto request = std::make_shared<consent::v1::RecordObjectionRequest>();
      request->add_identifiers()->set_email(absl::StrCat(
          "load-", sequence, "-", random_() % 1000000, "@example.si"));
      request->mutable_evidence()->set_collection_method(
          consent::v1::COLLECTION_METHOD_API);
      Start(&ConsentService::Stub::PrepareAsyncRecordObjection, *request, 1,
            [request, done = std::move(done)](Outcome outcome) mutable {
              done(outcome);
            });
    }
  }

 private:
  template <typename Request>
  static grpc::ByteBuffer Serialise(const Request& request) {
    grpc::ByteBuffer buffer;
    bool own_buffer = false;
    grpc::SerializationTraits<Request>::Serialize(request, &buffer,
                                                  &own_buffer);
    return buffer;
  }

  // The answer is parsed onto an arena freed whole with the call, as a
  // client reading a 1,000-decision answer should: parsed onto the heap,
  // the client would spend more CPU reading a batch than consentd deciding
  // it.
  template <typename Response>
  struct ArenaCall : Call {
    google::protobuf::Arena arena;
    Response* response =
        google::protobuf::Arena::CreateMessage<Response>(&arena);
  };

  template <typename Response>
  struct TypedCall : ArenaCall<Response> {
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
  };

  // A call whose request was serialised beforehand; its answer is parsed
  // (onto the arena) when it completes.
  template <typename Response>
  struct SerialisedCall : ArenaCall<Response> {
    grpc::ByteBuffer answer;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;

    bool Parse() override {
      return grpc::SerializationTraits<Response>::Deserialize(&answer,
                                                              this->response)
          .ok();
    }
  };

  template <typename Request, typename Response, typename Done>
  void Start(std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> (
                 ConsentService::Stub::*prepare)(grpc::ClientContext*,
                                                 const Request&,
                                                 grpc::CompletionQueue*),
             const Request& request, int64_t identifiers, Done done) {
    auto* call = new TypedCall<Response>();
    call->identifiers = identifiers;
    call->done = std::move(done);
    call->context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    call->reader = (stub_.get()->*prepare)(&call->context, request, queue_);
    call->reader->StartCall();
    call->reader->Finish(call->response, &call->status, call);
  }

  template <typename Response, typename Done>
  void StartSerialised(const char* method, int64_t identifiers, Done done) {
    auto* call = new SerialisedCall<Response>();
    call->identifiers = identifiers;
    call->done = std::move(done);
    call->context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    call->reader = generic_->PrepareUnaryCall(
        &call->context, method, deck_[next_ % deck_.size()], queue_);
    call->reader->StartCall();
    call->reader->Finish(&call->answer, &call->status, call);
  }

  const Options& options_;
  std::mt19937_64 random_;
  grpc::CompletionQueue* queue_;
  std::unique_ptr<ConsentService::Stub> stub_;
  std::unique_ptr<grpc::GenericStub> generic_;
  std::vector<grpc::ByteBuffer> deck_;
  size_t next_ = 0;
};

struct Tally {
  std::vector<double> latencies_us;
  int64_t identifiers = 0;
  int64_t errors = 0;

  void Add(Outcome outcome, Clock::time_point sent) {
    if (!outcome.ok) {
      ++errors;
      return;
    }
    identifiers += outcome.identifiers;
    latencies_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
  }
};

// Counts calls in flight; Wait returns when none is.
class InFlight {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void Done() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* count) { return *count == 0; }, &count_));
  }

 private:
  absl::Mutex mu_;
  int count_ = 0;
};

// Each slot keeps one call in flight until `end`.
void ClosedLoop(std::vector<std::unique_ptr<Slot>>& slots,
                std::vector<Tally>& tallies, Clock::time_point end) {
  InFlight in_flight;
  std::atomic<int64_t> sequence{0};
  struct Chain {
    Slot* slot;
    Tally* tally;
    Clock::time_point end;
    InFlight* in_flight;
    std::atomic<int64_t>* sequence;

    void Next() {
      const Clock::time_point sent = Clock::now();
      if (sent >= end) {
        in_flight->Done();
        return;
      }
      slot->Send(++*sequence, [this, sent](Outcome outcome) {
        tally->Add(outcome, sent);
        Next();
      });
    }
  };
  std::vector<Chain> chains;
  chains.reserve(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    chains.push_back({slots[i].get(), &tallies[i], end, &in_flight, &sequence});
  }
  for (Chain& chain : chains) {
    in_flight.Add();
    chain.Next();
  }
  in_flight.Wait();
}

// Calls leave at `rate` per second in all, from `start` until `end`,
// whatever is still in flight. Each slot has a pacing thread of its own
// for its share of the rate, so one thread late off the run queue delays
// its own calls only. `send_lags_us` gets how late each call left: the
// client's own share of the latencies.
void OpenLoop(std::vector<std::unique_ptr<Slot>>& slots, Tally& tally,
              double rate, Clock::time_point start, Clock::time_point end,
              std::vector<double>* send_lags_us) {
  const size_t pacers = slots.size();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(pacers) / rate));
  absl::Mutex mu;
  InFlight in_flight;
  std::vector<std::thread> threads;
  for (size_t p = 0; p < pacers; ++p) {
    threads.emplace_back([&, p] {
      // Linux lets a sleeping thread wake up to 50 us late by default, to
      // batch timer interrupts; a pacer wants its calls to leave on time.
      prctl(PR_SET_TIMERSLACK, 1UL);
      Slot& slot = *slots[p];
      std::vector<double> lags;
      // Spread the pacers over one interval.
      Clock::time_point scheduled = start + interval * p / pacers;
      for (int64_t sequence = 0; scheduled < end;
           scheduled += interval, ++sequence) {
        std::this_thread::sleep_until(scheduled);
        lags.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - scheduled)
                .count());
        // Only this thread calls the slot's Send, so its deck and random
        // are never used at once; calls in flight only read the requests.
        in_flight.Add();
        slot.Send(sequence, [&, scheduled](Outcome outcome) {
          {
            absl::MutexLock lock(&mu);
            tally.Add(outcome, scheduled);
          }
          in_flight.Done();
        });
      }
      absl::MutexLock lock(&mu);
      send_lags_us->insert(send_lags_us->end(), lags.begin(), lags.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  in_flight.Wait();
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index =
      static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace
}  // namespace consentd

int main(int argc, char** argv) {
  using namespace consentd;
  CLI::App app{"Load against a running consentd"};
  Options options;
  app.add_option("--server", options.server);
  app.add_option("--mode", options.mode)
      ->check(CLI::IsMember({"check", "batch", "write", "health"}));
  app.add_option("--concurrency", options.concurrency)
      ->check(CLI::Range(1, 1024));
  app.add_option("--seconds", options.seconds)->check(CLI::Range(0.1, 3600.0));
  app.add_option("--rate", options.rate, "Requests/s in all (open loop)");
  app.add_option("--batch", options.batch)->check(CLI::Range(1, 10000));
  app.add_option("--numbers", options.numbers)->check(CLI::Range(1, 899999));
  app.add_flag("--national", options.national, "Numbers in national format");
  app.add_flag("--include-identifiers", options.include_identifiers,
               "CheckBatch answers per identifier too");
  std::string ca_path, cert_path, key_path;
  app.add_option("--ca", ca_path,
                 "CA certificate, PEM: speak TLS, the server's certificate "
                 "must chain to it")
      ->check(CLI::ExistingFile);
  app.add_option("--cert", cert_path,
                 "Client certificate chain, PEM (mutual TLS; needs --ca)")
      ->check(CLI::ExistingFile);
  app.add_option("--key", key_path, "Client private key, PEM (with --cert)")
      ->check(CLI::ExistingFile);
  app.add_option("--server-name", options.server_name,
                 "Name the server's certificate must carry, when not the "
                 "host in --server");
  CLI11_PARSE(app, argc, argv);
  if (cert_path.empty() != key_path.empty()) {
    std::cerr << "consentd_load: --cert and --key go together\n";
    return 1;
  }
  if (ca_path.empty() && (!cert_path.empty() || !options.server_name.empty())) {
    std::cerr << "consentd_load: --cert, --key and --server-name need --ca\n";
    return 1;
  }
  for (auto [path, text] :
       {std::pair{&ca_path, &options.ca},
        std::pair{&cert_path, &options.certificate_chain},
        std::pair{&key_path, &options.private_key}}) {
    if (!path->empty() && (!ReadFile(*path, text) || text->empty())) {
      std::cerr << "consentd_load: cannot read " << *path << " (or empty)\n";
      return 1;
    }
  }
  // As consentd's main does: Debian's Abseil (and gRPC's locks on it) keeps
  // a deadlock-detection graph on every Mutex operation unless told not to,
  // which would bill the client's bookkeeping to the server's figures.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // At a fixed rate one driver does (send_lag_p99_us shows when it does not
  // keep up), and a second would cost a thread wake-up on many calls (gRPC's
  // epoll engine has one poller at a time for the whole process, so a
  // response read by one driver for the other's queue wakes it).
  Drivers drivers(
      options.rate > 0 ? 1 : std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < options.concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(options, i, drivers.For(i)));
  }
  // One warm-up call per slot opens its connection before the clock runs.
  {
    std::vector<Tally> warm(slots.size());
    ClosedLoop(slots, warm, Clock::now() + std::chrono::milliseconds(200));
    int64_t ok = 0;
    for (const Tally& tally : warm) ok += tally.latencies_us.size();
    if (ok == 0) {
      std::cerr << "consentd_load: no answer from " << options.server << "\n";
      return 1;
    }
  }

  std::vector<Tally> tallies(options.rate > 0 ? 1 : slots.size());
  std::vector<double> send_lags_us;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.seconds));
  if (options.rate > 0) {
    OpenLoop(slots, tallies[0], options.rate, start, end, &send_lags_us);
  } else {
    ClosedLoop(slots, tallies, end);
  }
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> latencies;
  int64_t identifiers = 0, errors = 0;
  for (const Tally& tally : tallies) {
    latencies.insert(latencies.end(), tally.latencies_us.begin(),
                     tally.latencies_us.end());
    identifiers += tally.identifiers;
    errors += tally.errors;
  }
  std::sort(latencies.begin(), latencies.end());
  std::sort(send_lags_us.begin(), send_lags_us.end());
  std::cout << absl::StrFormat(
      "mode=%s concurrency=%d rate=%.0f requests=%d errors=%d seconds=%.2f "
      "requests_per_s=%.0f identifiers_per_s=%.0f p50_us=%.0f p99_us=%.0f "
      "p999_us=%.0f send_lag_p99_us=%.0f\n",
      options.mode, options.concurrency, options.rate, latencies.size(), errors,
      elapsed, latencies.size() / elapsed, identifiers / elapsed,
      Percentile(latencies, 0.50), Percentile(latencies, 0.99),
      Percentile(latencies, 0.999), Percentile(send_lags_us, 0.99));
  return errors > 0 ? 2 : 0;
}
