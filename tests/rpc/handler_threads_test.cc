#include "rpc/handler_threads.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::rpc {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;

// How long a test waits for something that must happen: long enough never
// to run out on a loaded machine while the code is right, so a bug fails
// the test instead of hanging it.
constexpr absl::Duration kPatience = absl::Seconds(10);
// How long held-back work waits to be released. Every test releases it
// before its HandlerThreads joins, also when an assertion ends the test
// early; this bound is only a backstop, longer than kPatience so that work
// never goes ahead on its own while a test still waits for it to be
// released.
constexpr absl::Duration kHeldAtMost = absl::Seconds(30);

void Release(absl::Notification& release) {
  if (!release.HasBeenNotified()) release.Notify();
}

// The threads of this process, as the kernel lists them.
int ProcessThreads() {
  int threads = 0;
  for ([[maybe_unused]] const auto& task :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++threads;
  }
  return threads;
}

TEST(HandlerThreadsTest, RunsEveryPieceOfWork) {
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(4);
    for (int i = 0; i < 100; ++i) threads.Run([&ran] { ++ran; });
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 100);
}

TEST(HandlerThreadsTest, DestructionRunsTheWorkStillQueued) {
  absl::Notification release;
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(1);
    threads.Run(
        [&release] { release.WaitForNotificationWithTimeout(kHeldAtMost); });
    // The one thread is held: these queue behind it.
    for (int i = 0; i < 10; ++i) threads.Run([&ran] { ++ran; });
    Release(release);
  }
  EXPECT_EQ(ran.load(), 10);
}

TEST(HandlerThreadsTest, WorkThatBlocksDoesNotHoldUpOtherWork) {
  absl::Notification release;
  absl::Notification other_ran;
  HandlerThreads threads(4);
  absl::Cleanup release_first = [&release] { Release(release); };
  threads.Run(
      [&release] { release.WaitForNotificationWithTimeout(kHeldAtMost); });
  threads.Run([&other_ran] { other_ran.Notify(); });
  // Queued behind the blocked work, the other would not run until that
  // work was released.
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(kPatience));
}

TEST(HandlerThreadsTest, BeyondTheBoundWorkWaitsForAThreadToBeFreed) {
  absl::Notification release;
  absl::Notification started[2];
  std::thread::id blocked_on[2];
  std::atomic<int> blocked_finished{0};
  absl::Notification third_ran;
  std::thread::id third_on;
  int finished_before_third = -1;
  // A thread another test joined may linger in the count a moment: that
  // can only make the threads started below look fewer, never more.
  const int threads_before = ProcessThreads();
  HandlerThreads threads(2);
  absl::Cleanup release_first = [&release] { Release(release); };
  for (int i = 0; i < 2; ++i) {
    threads.Run([&, i] {
      blocked_on[i] = std::this_thread::get_id();
      started[i].Notify();
      release.WaitForNotificationWithTimeout(kHeldAtMost);
      ++blocked_finished;
    });
  }
  // Both run at once: the bound allows two threads.
  ASSERT_TRUE(started[0].WaitForNotificationWithTimeout(kPatience));
  ASSERT_TRUE(started[1].WaitForNotificationWithTimeout(kPatience));
  threads.Run([&] {
    third_on = std::this_thread::get_id();
    finished_before_third = blocked_finished.load();
    third_ran.Notify();
  });
  // Run starts any thread before it returns, so a third one would be
  // counted here.
  EXPECT_LE(ProcessThreads() - threads_before, 2);
  Release(release);
  ASSERT_TRUE(third_ran.WaitForNotificationWithTimeout(kPatience));
  // The queued work ran on one of the two threads, once its work was done.
  EXPECT_THAT(third_on, AnyOf(Eq(blocked_on[0]), Eq(blocked_on[1])));
  EXPECT_GE(finished_before_third, 1);
}

TEST(HandlerThreadsTest, QueuedWorkRunsInArrivalOrder) {
  absl::Notification release;
  absl::Notification all_ran;
  absl::Mutex mu;
  std::vector<int> order;
  HandlerThreads threads(1);
  absl::Cleanup release_first = [&release] { Release(release); };
  threads.Run(
      [&release] { release.WaitForNotificationWithTimeout(kHeldAtMost); });
  for (int i = 0; i < 5; ++i) {
    threads.Run([&, i] {
      absl::MutexLock lock(&mu);
      order.push_back(i);
      if (order.size() == 5) all_ran.Notify();
    });
  }
  Release(release);
  ASSERT_TRUE(all_ran.WaitForNotificationWithTimeout(kPatience));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4));
}

TEST(HandlerThreadsTest, RunMayBeCalledFromManyThreadsAtOnce) {
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(4);
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c) {
      callers.emplace_back([&threads, &ran] {
        for (int i = 0; i < 250; ++i) threads.Run([&ran] { ++ran; });
      });
    }
    for (std::thread& caller : callers) caller.join();
  }
  EXPECT_EQ(ran.load(), 1000);
}

TEST(HandlerThreadsTest, RefusesWorkBeyondTheQueueBound) {
  absl::Notification release;
  absl::Notification started;
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(/*max_threads=*/1, /*max_queued=*/2);
    absl::Cleanup release_first = [&release] { Release(release); };
    ASSERT_TRUE(threads.Run([&] {
      started.Notify();
      release.WaitForNotificationWithTimeout(kHeldAtMost);
    }));
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(kPatience));
    EXPECT_TRUE(threads.Run([&ran] { ++ran; }));
    EXPECT_TRUE(threads.Run([&ran] { ++ran; }));
    // The one thread is held and two wait: a third is refused, unrun.
    EXPECT_FALSE(threads.Run([&ran] { ran += 100; }));
    Release(release);
  }
  EXPECT_EQ(ran.load(), 2);
}

TEST(HandlerThreadsTest, ReportsWorkRunningAndWaiting) {
  absl::Notification release;
  absl::Notification started;
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(/*max_threads=*/1, /*max_queued=*/4);
    absl::Cleanup release_first = [&release] { Release(release); };
    EXPECT_EQ(threads.running(), 0);
    EXPECT_EQ(threads.queued(), 0);
    ASSERT_TRUE(threads.Run([&] {
      started.Notify();
      release.WaitForNotificationWithTimeout(kHeldAtMost);
    }));
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(kPatience));
    EXPECT_TRUE(threads.Run([&ran] { ++ran; }));
    EXPECT_TRUE(threads.Run([&ran] { ++ran; }));
    EXPECT_EQ(threads.running(), 1);
    EXPECT_EQ(threads.queued(), 2);
    Release(release);
  }
  EXPECT_EQ(ran.load(), 2);
}

TEST(HandlerThreadsTest, RefusedWorkIsDestroyedBeforeRunReturns) {
  absl::Notification release;
  absl::Notification started;
  HandlerThreads threads(/*max_threads=*/1, /*max_queued=*/0);
  absl::Cleanup release_first = [&release] { Release(release); };
  ASSERT_TRUE(threads.Run([&] {
    started.Notify();
    release.WaitForNotificationWithTimeout(kHeldAtMost);
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kPatience));
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  EXPECT_FALSE(threads.Run([held = std::move(held)] {}));
  // What the refused work held (a call's request, say) is freed already.
  EXPECT_TRUE(watch.expired());
}

TEST(HandlerThreadsTest, OnlyUrgentWorkMayTakeTheReservedRoom) {
  absl::Notification release;
  absl::Notification started;
  std::atomic<int> urgent_ran{0};
  {
    HandlerThreads threads(/*max_threads=*/1, /*max_queued=*/3,
                           /*reserved_for_urgent=*/2);
    absl::Cleanup release_first = [&release] { Release(release); };
    ASSERT_TRUE(threads.Run([&] {
      started.Notify();
      release.WaitForNotificationWithTimeout(kHeldAtMost);
    }));
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(kPatience));
    EXPECT_TRUE(threads.Run([] {}));
    EXPECT_FALSE(threads.Run([] {})) << "normal work past its share";
    EXPECT_TRUE(threads.Run([&urgent_ran] { ++urgent_ran; }, /*urgent=*/true));
    EXPECT_TRUE(threads.Run([&urgent_ran] { ++urgent_ran; }, /*urgent=*/true));
    EXPECT_FALSE(threads.Run([] {}, /*urgent=*/true)) << "the queue is full";
    Release(release);
  }
  EXPECT_EQ(urgent_ran.load(), 2);
}

TEST(HandlerThreadsTest, UrgentWorkRunsBeforeNormalWorkQueuedEarlier) {
  absl::Notification release;
  absl::Notification started;
  absl::Notification all_ran;
  absl::Mutex mu;
  std::vector<int> order;
  HandlerThreads threads(1);
  absl::Cleanup release_first = [&release] { Release(release); };
  ASSERT_TRUE(threads.Run([&] {
    started.Notify();
    release.WaitForNotificationWithTimeout(kHeldAtMost);
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kPatience));
  auto record = [&](int i) {
    return [&, i] {
      absl::MutexLock lock(&mu);
      order.push_back(i);
      if (order.size() == 4) all_ran.Notify();
    };
  };
  ASSERT_TRUE(threads.Run(record(1)));
  ASSERT_TRUE(threads.Run(record(2)));
  ASSERT_TRUE(threads.Run(record(3), /*urgent=*/true));
  ASSERT_TRUE(threads.Run(record(4), /*urgent=*/true));
  Release(release);
  ASSERT_TRUE(all_ran.WaitForNotificationWithTimeout(kPatience));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre(3, 4, 1, 2));
}

}  // namespace
}  // namespace consentd::rpc
