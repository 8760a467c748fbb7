// StartServer for consentd::rpc_queue_server: every call on CompletionQueues
// (one queue and thread for each core the process may run on), with this
// folder's health and reflection services.
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sched.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "rpc/completion_queues.h"
#include "rpc/health_service.h"
#include "rpc/listening_port.h"
#include "rpc/reflection_service.h"
#include "rpc/server.h"

namespace consentd::rpc {
namespace {

// One completion-queue thread for each core the process may run on (its
// CPU affinity, which taskset or systemd's CPUAffinity= set): pinned to one
// core, an inline call wakes one thread; given more, inline methods use
// them all.
int ServingThreads() {
  constexpr int kMostServingThreads = 16;
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 1;
  return std::clamp(CPU_COUNT(&cpus), 1, kMostServingThreads);
}

class QueueServer final : public Server {
 public:
  QueueServer(std::unique_ptr<CompletionQueues> queues,
              std::unique_ptr<grpc::Server> server, std::string address)
      : queues_(std::move(queues)),
        server_(std::move(server)),
        address_(std::move(address)) {}

  ~QueueServer() override { Shutdown(absl::ZeroDuration()); }

  const std::string& address() const override { return address_; }

  ServerLoad load() const override {
    return queues_ == nullptr ? ServerLoad() : queues_->handlers().load();
  }

  void Shutdown(absl::Duration grace) override {
    if (server_ == nullptr) return;
    queues_->BeginDrain();
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(grace));
    queues_->Close();
    server_->Wait();
    server_.reset();
    queues_.reset();
  }

 private:
  std::unique_ptr<CompletionQueues> queues_;
  std::unique_ptr<grpc::Server> server_;
  const std::string address_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> StartServer(
    const ServerOptions& options, MethodTable* methods) {
  AddHealthService(methods);
  AddReflectionService(methods);

  grpc::ServerBuilder builder;
  ListeningPort port(options, &builder);
  auto queues = std::make_unique<CompletionQueues>(&builder, methods,
                                                   ServingThreads(), options);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  std::string address = port.BoundAddress();
  if (server == nullptr || address.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  queues->Start();
  return std::make_unique<QueueServer>(std::move(queues), std::move(server),
                                       std::move(address));
}

}  // namespace consentd::rpc
