#include "service/core/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace consentd::core {
namespace {

// Runs ForEachSlice over [0, n) and returns the slices it was given.
std::vector<std::pair<size_t, size_t>> SlicesOf(WorkerPool& pool, size_t n,
                                                size_t min_slice) {
  absl::Mutex mu;
  std::vector<std::pair<size_t, size_t>> slices;
  pool.ForEachSlice(n, min_slice, [&](size_t begin, size_t end) {
    absl::MutexLock lock(&mu);
    slices.emplace_back(begin, end);
  });
  std::sort(slices.begin(), slices.end());
  return slices;
}

TEST(WorkerPoolTest, EveryItemIsCoveredOnceByContiguousSlices) {
  WorkerPool pool(3);
  for (size_t n : {0, 1, 63, 64, 100, 257, 1000}) {
    std::vector<std::pair<size_t, size_t>> slices = SlicesOf(pool, n, 16);
    size_t next = 0;
    for (const auto& [begin, end] : slices) {
      EXPECT_EQ(begin, next) << n;
      EXPECT_LT(begin, end) << n;
      next = end;
    }
    EXPECT_EQ(next, n);
    EXPECT_LE(slices.size(), 4u) << "at most workers + 1 slices";
  }
}

TEST(WorkerPoolTest, SmallRangesStayOnTheCaller) {
  WorkerPool pool(3);
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<std::thread::id> seen;
  pool.ForEachSlice(100, 64, [&](size_t begin, size_t end) {
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 100u);
    seen.push_back(std::this_thread::get_id());
  });
  EXPECT_EQ(seen, std::vector<std::thread::id>{caller});
}

TEST(WorkerPoolTest, WorkersShareTheWork) {
  WorkerPool pool(1);
  // The caller's slice waits until another thread has run one, which only a
  // worker can do.
  const std::thread::id caller = std::this_thread::get_id();
  absl::Mutex mu;
  bool worker_ran = false;
  pool.ForEachSlice(200, 10, [&](size_t, size_t) {
    absl::MutexLock lock(&mu);
    if (std::this_thread::get_id() != caller) {
      worker_ran = true;
      return;
    }
    mu.AwaitWithTimeout(absl::Condition(&worker_ran), absl::Seconds(10));
  });
  EXPECT_TRUE(worker_ran);
}

TEST(WorkerPoolTest, WithoutWorkersTheCallerDoesEverything) {
  WorkerPool pool(0);
  EXPECT_EQ(SlicesOf(pool, 1000, 1),
            (std::vector<std::pair<size_t, size_t>>{{0, 1000}}));
}

TEST(WorkerPoolTest, ManyCallersAtOnceAllFinish) {
  WorkerPool pool(2);
  std::atomic<size_t> items{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 8; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        pool.ForEachSlice(
            300, 10, [&](size_t begin, size_t end) { items += end - begin; });
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(items.load(), 8u * 50u * 300u);
}

}  // namespace
}  // namespace consentd::core
