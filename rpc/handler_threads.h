// HandlerThreads: a bounded pool of threads that run RPC handlers that may
// block (storage reads and writes, streams), so that the completion-queue
// threads never wait and an inline call never queues behind them. A server
// keeps one pool for each class of work (handler_pools.h), so that one
// class cannot take the threads another needs.
//
// A thread is started when work arrives and none is idle, up to
// `max_threads`; beyond it up to `max_queued` more pieces of work wait,
// urgent ones first, each kind in arrival order. The last
// `reserved_for_urgent` places of the queue only urgent work may take.
// Work beyond that is refused: Run returns false and never runs it, so the
// caller can answer at once (and free what the work held) instead of
// keeping it waiting without bound. A piece of work holds its thread until
// it returns, also when it has answered its call before. Threads stay for
// later work.
//
//   HandlerThreads writes(/*max_threads=*/16, /*max_queued=*/256,
//                         /*reserved_for_urgent=*/64);
//   if (!writes.Run([call] { call->Handle(); })) call->RefuseBusy();
//
// Thread-safety: Run may be called from any thread, also from work the
// pool runs.
#ifndef CONSENTD_RPC_HANDLER_THREADS_H_
#define CONSENTD_RPC_HANDLER_THREADS_H_

#include <deque>
#include <limits>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace consentd::rpc {

class HandlerThreads {
 public:
  static constexpr int kUnbounded = std::numeric_limits<int>::max();

  // `max_threads` >= 1; 0 <= `reserved_for_urgent` <= `max_queued`.
  explicit HandlerThreads(int max_threads, int max_queued = kUnbounded,
                          int reserved_for_urgent = 0);
  // Runs the work already queued, then joins the threads.
  ~HandlerThreads();
  HandlerThreads(const HandlerThreads&) = delete;
  HandlerThreads& operator=(const HandlerThreads&) = delete;

  // Runs `work` on a pool thread, now or once one is free. False when the
  // pool is full (max_threads running and the queue, for normal work
  // less the urgent reserve, holding max_queued): then `work` is not run
  // and is destroyed before Run returns.
  bool Run(absl::AnyInvocable<void() &&> work, bool urgent = false)
      ABSL_LOCKS_EXCLUDED(mu_);

  int max_threads() const { return max_threads_; }
  // Work running, and work waiting for a thread, now.
  int running() const ABSL_LOCKS_EXCLUDED(mu_);
  int queued() const ABSL_LOCKS_EXCLUDED(mu_);
  int max_queued() const { return max_queued_; }

 private:
  void Work() ABSL_LOCKS_EXCLUDED(mu_);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !urgent_.empty() || !normal_.empty();
  }

  const int max_threads_;
  const int max_queued_;
  const int reserved_for_urgent_;
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> urgent_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::AnyInvocable<void() &&>> normal_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_HANDLER_THREADS_H_
