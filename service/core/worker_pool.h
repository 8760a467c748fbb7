// WorkerPool: a fixed set of threads that help a caller spread CPU-bound
// work (deciding a scrub's rows) over the machine's cores.
//
// ForEachSlice splits a range into contiguous slices; the calling thread
// works on slices too and takes back any slice no worker has started, so a
// call always finishes even when every worker is busy with other callers.
//
// Thread-safety: safe for concurrent use. `fn` must be safe to call from
// several threads at once on disjoint slices.
#ifndef CONSENTD_SERVICE_CORE_WORKER_POOL_H_
#define CONSENTD_SERVICE_CORE_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace consentd::core {

class WorkerPool {
 public:
  // Starts `workers` threads; with 0, everything runs on the caller.
  explicit WorkerPool(int workers);
  // Waits for the workers' slices in flight, then stops them.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(begin, end) once for each slice of [0, n), in no particular
  // order and on up to workers + 1 threads, and returns when every slice is
  // done. Slices hold at least `min_slice` items (the last may hold fewer),
  // so that small ranges stay on the calling thread.
  void ForEachSlice(size_t n, size_t min_slice,
                    absl::FunctionRef<void(size_t begin, size_t end)> fn)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Call;
  struct Slice {
    Call* call;
    size_t begin;
    size_t end;
  };

  void Work() ABSL_LOCKS_EXCLUDED(mu_);
  void Run(const Slice& slice) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  std::deque<Slice> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_WORKER_POOL_H_
