#include "rpc/handler_threads.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace consentd::rpc {

HandlerThreads::HandlerThreads(int max_threads, int max_queued,
                               int reserved_for_urgent)
    : max_threads_(max_threads),
      max_queued_(max_queued),
      reserved_for_urgent_(reserved_for_urgent) {}

HandlerThreads::~HandlerThreads() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

bool HandlerThreads::Run(absl::AnyInvocable<void() &&> work, bool urgent) {
  absl::MutexLock lock(&mu_);
  const int64_t queued = static_cast<int64_t>(urgent_.size()) +
                         static_cast<int64_t>(normal_.size());
  // Work that would have to wait for a thread, were this accepted.
  const int64_t waiting = running_ + queued + 1 - max_threads_;
  const int64_t room =
      urgent ? max_queued_ : max_queued_ - reserved_for_urgent_;
  if (waiting > room) return false;
  (urgent ? urgent_ : normal_).push_back(std::move(work));
  // Each idle thread takes one queued item; start one only for the rest.
  if (queued + 1 > idle_ && static_cast<int>(threads_.size()) < max_threads_) {
    threads_.emplace_back([this] { Work(); });
    ++idle_;
  }
  return true;
}

int HandlerThreads::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int HandlerThreads::queued() const {
  absl::MutexLock lock(&mu_);
  // Work an idle thread is about to take is not waiting for one.
  return std::max(0, static_cast<int>(urgent_.size() + normal_.size()) - idle_);
}

void HandlerThreads::Work() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(
        +[](HandlerThreads* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->HasWork() || self->stopping_;
        },
        this));
    if (!HasWork()) return;
    std::deque<absl::AnyInvocable<void()&&>>& from =
        urgent_.empty() ? normal_ : urgent_;
    absl::AnyInvocable<void()&&> work = std::move(from.front());
    from.pop_front();
    --idle_;
    ++running_;
    mu_.Unlock();
    std::move(work)();
    work = nullptr;  // what it held goes before the next piece starts
    mu_.Lock();
    --running_;
    ++idle_;
  }
}

}  // namespace consentd::rpc
