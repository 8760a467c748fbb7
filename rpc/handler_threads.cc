#include "rpc/handler_threads.h"

#include <utility>

namespace consentd::rpc {

HandlerThreads::HandlerThreads(int max_threads) : max_threads_(max_threads) {}

HandlerThreads::~HandlerThreads() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

void HandlerThreads::Run(absl::AnyInvocable<void() &&> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
  // Each idle thread takes one queued item; start one only for the rest.
  if (static_cast<int>(queue_.size()) > idle_ &&
      static_cast<int>(threads_.size()) < max_threads_) {
    threads_.emplace_back([this] { Work(); });
    ++idle_;
  }
}

void HandlerThreads::Work() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(
        +[](HandlerThreads* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return !self->queue_.empty() || self->stopping_;
        },
        this));
    if (queue_.empty()) return;
    absl::AnyInvocable<void()&&> work = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    mu_.Unlock();
    std::move(work)();
    mu_.Lock();
    ++idle_;
  }
}

}  // namespace consentd::rpc
