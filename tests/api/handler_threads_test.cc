#include "service/api/handler_threads.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace consentd::api {
namespace {

TEST(HandlerThreadsTest, RunsEveryPieceOfWork) {
  std::atomic<int> ran{0};
  {
    HandlerThreads threads(4);
    for (int i = 0; i < 100; ++i) threads.Run([&ran] { ++ran; });
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 100);
}

TEST(HandlerThreadsTest, WorkThatBlocksDoesNotHoldUpOtherWork) {
  HandlerThreads threads(4);
  absl::Notification release;
  absl::Notification other_ran;
  threads.Run([&release] { release.WaitForNotification(); });
  threads.Run([&other_ran] { other_ran.Notify(); });
  other_ran.WaitForNotification();  // hangs (and times out) if serialised
  release.Notify();
}

TEST(HandlerThreadsTest, BeyondTheBoundWorkWaitsForAFreeThread) {
  HandlerThreads threads(2);
  absl::Notification release;
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  absl::Notification both_blocked;
  for (int i = 0; i < 2; ++i) {
    threads.Run([&] {
      if (++running == 2) both_blocked.Notify();
      release.WaitForNotification();
      --running;
    });
  }
  both_blocked.WaitForNotification();
  std::atomic<bool> third_ran{false};
  threads.Run([&] {
    most = running.load();
    third_ran = true;
  });
  // Both threads are blocked: the third piece of work must wait. A moment
  // is enough for a wrongly started third thread to run it.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(third_ran.load());
  release.Notify();
  while (!third_ran.load()) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_LT(most.load(), 2);
}

}  // namespace
}  // namespace consentd::api
