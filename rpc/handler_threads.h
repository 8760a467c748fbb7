// HandlerThreads: the threads that run the RPC handlers that may block
// (storage reads and writes, streams), so that the completion-queue threads
// never wait and an inline call never queues behind them.
//
// A thread is started when work arrives and none is idle, up to a bound;
// beyond it work queues in arrival order. Threads stay for later work.
//
// Thread-safety: Run may be called from any thread.
#ifndef CONSENTD_RPC_HANDLER_THREADS_H_
#define CONSENTD_RPC_HANDLER_THREADS_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace consentd::rpc {

class HandlerThreads {
 public:
  explicit HandlerThreads(int max_threads);
  // Runs the work already queued, then joins the threads.
  ~HandlerThreads();
  HandlerThreads(const HandlerThreads&) = delete;
  HandlerThreads& operator=(const HandlerThreads&) = delete;

  void Run(absl::AnyInvocable<void() &&> work) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Work() ABSL_LOCKS_EXCLUDED(mu_);

  const int max_threads_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_HANDLER_THREADS_H_
