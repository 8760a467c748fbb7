#include "service/core/worker_pool.h"

#include <algorithm>

namespace consentd::core {

struct WorkerPool::Call {
  explicit Call(absl::FunctionRef<void(size_t, size_t)> f) : fn(f) {}
  absl::FunctionRef<void(size_t, size_t)> fn;
  // Slices queued or running; guarded by the pool's mu_.
  size_t unfinished = 0;
};

WorkerPool::WorkerPool(int workers) {
  threads_.reserve(static_cast<size_t>(std::max(workers, 0)));
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::ForEachSlice(size_t n, size_t min_slice,
                              absl::FunctionRef<void(size_t, size_t)> fn) {
  const size_t most = threads_.size() + 1;
  const size_t slices =
      std::clamp<size_t>(n / std::max<size_t>(min_slice, 1), 1, most);
  if (slices == 1) {
    if (n > 0) fn(0, n);
    return;
  }
  const size_t per_slice = (n + slices - 1) / slices;
  Call call(fn);
  {
    absl::MutexLock lock(&mu_);
    for (size_t begin = per_slice; begin < n; begin += per_slice) {
      queue_.push_back({&call, begin, std::min(n, begin + per_slice)});
      ++call.unfinished;
    }
  }
  fn(0, per_slice);
  // Take back the slices no worker has started rather than wait for them.
  while (true) {
    Slice mine{};
    {
      absl::MutexLock lock(&mu_);
      auto it = std::find_if(queue_.begin(), queue_.end(),
                             [&](const Slice& s) { return s.call == &call; });
      if (it == queue_.end()) break;
      mine = *it;
      queue_.erase(it);
    }
    Run(mine);
  }
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](Call* c) { return c->unfinished == 0; }, &call));
}

void WorkerPool::Run(const Slice& slice) {
  slice.call->fn(slice.begin, slice.end);
  absl::MutexLock lock(&mu_);
  // The caller may return as soon as this reaches zero: nothing touches
  // the call after it.
  --slice.call->unfinished;
}

void WorkerPool::Work() {
  while (true) {
    Slice slice{};
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkerPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->stopping_ || !pool->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      slice = queue_.front();
      queue_.pop_front();
    }
    Run(slice);
  }
}

}  // namespace consentd::core
