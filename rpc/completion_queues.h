// CompletionQueues: gRPC completion queues, one for each core the process
// may run on, each drained by a thread of its own. Every call of every
// service arrives on them through gRPC's async generic API: a queue's thread
// asks gRPC for calls, reads each request, answers at once the methods the
// MethodTable marks inline and hands the others to their bounded pools of
// handler threads (HandlerPools). An
// inline method therefore costs one thread wake-up on the server, where
// gRPC's callback and sync servers hand each call between several threads.
//
// Thread-safety: Start, BeginDrain and Close are called once each, in that
// order, by the server that owns the queues.
#ifndef CONSENTD_RPC_COMPLETION_QUEUES_H_
#define CONSENTD_RPC_COMPLETION_QUEUES_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "rpc/handler_pools.h"
#include "rpc/method_table.h"
#include "rpc/server.h"

namespace consentd::rpc {

class ServerCall;

// A completion-queue tag: every operation the queue's calls start names
// one, and the queue's thread calls OnEvent when it completes.
class QueueEvent {
 public:
  virtual void OnEvent(bool ok) = 0;

 protected:
  ~QueueEvent() = default;
};

class CompletionQueues {
 public:
  // Registers the generic service and adds `threads` completion queues to
  // `builder`; `methods` must outlive the queue. Handlers run on pools
  // bounded by `options`.
  CompletionQueues(grpc::ServerBuilder* builder, const MethodTable* methods,
                   int threads, const ServerOptions& options);
  ~CompletionQueues();
  CompletionQueues(const CompletionQueues&) = delete;
  CompletionQueues& operator=(const CompletionQueues&) = delete;

  // Once the server is built: asks for calls and serves them.
  void Start();
  // Streams waiting for the server's end (health Watch) end now.
  void BeginDrain() ABSL_LOCKS_EXCLUDED(mu_);
  // Once grpc::Server::Shutdown has returned: waits for every call to end,
  // then stops the queues' threads and the handler threads.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

  // For ServerCall.
  grpc::AsyncGenericService* service() { return &service_; }
  const MethodTable& methods() const { return *methods_; }
  HandlerPools& handlers() { return handlers_; }
  const HandlerPools& handlers() const { return handlers_; }
  void CallStarted() ABSL_LOCKS_EXCLUDED(mu_);
  void CallEnded() ABSL_LOCKS_EXCLUDED(mu_);
  // True when the server is already draining; else `call` is woken by
  // BeginDrain until it leaves.
  bool WatchDrain(ServerCall* call) ABSL_LOCKS_EXCLUDED(mu_);
  void UnwatchDrain(ServerCall* call) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  grpc::AsyncGenericService service_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  const MethodTable* const methods_;
  HandlerPools handlers_;
  std::vector<std::thread> threads_;

  absl::Mutex mu_;
  int live_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<ServerCall*> drain_watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_COMPLETION_QUEUES_H_
