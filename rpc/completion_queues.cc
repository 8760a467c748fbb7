#include "rpc/completion_queues.h"

#include "rpc/server_call.h"

namespace consentd::rpc {
namespace {

// Calls asked for ahead on each queue, so that a burst of new calls (one
// per connection of a load test, say) never waits for the next one to be
// asked for.
constexpr int kCallsAskedFor = 64;

}  // namespace

CompletionQueues::CompletionQueues(grpc::ServerBuilder* builder,
                                   const MethodTable* methods, int threads,
                                   const ServerOptions& options)
    : methods_(methods), handlers_(options) {
  builder->RegisterAsyncGenericService(&service_);
  for (int i = 0; i < threads; ++i) {
    queues_.push_back(builder->AddCompletionQueue());
  }
}

CompletionQueues::~CompletionQueues() = default;

void CompletionQueues::Start() {
  for (const auto& queue : queues_) {
    for (int i = 0; i < kCallsAskedFor; ++i) {
      ServerCall::Accept(this, queue.get());
    }
    threads_.emplace_back([queue = queue.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) {
        static_cast<QueueEvent*>(tag)->OnEvent(ok);
      }
    });
  }
}

void CompletionQueues::BeginDrain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (ServerCall* call : drain_watchers_) call->WakeForDrain();
}

void CompletionQueues::Close() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* live) { return *live == 0; }, &live_calls_));
  }
  for (const auto& queue : queues_) queue->Shutdown();
  for (std::thread& thread : threads_) thread.join();
}

void CompletionQueues::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++live_calls_;
}

void CompletionQueues::CallEnded() {
  absl::MutexLock lock(&mu_);
  --live_calls_;
}

bool CompletionQueues::WatchDrain(ServerCall* call) {
  absl::MutexLock lock(&mu_);
  if (draining_) return true;
  drain_watchers_.insert(call);
  return false;
}

void CompletionQueues::UnwatchDrain(ServerCall* call) {
  absl::MutexLock lock(&mu_);
  drain_watchers_.erase(call);
}

}  // namespace consentd::rpc
