#include "access/token_bucket.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace consentd::access {
namespace {

// Any fixed moment: the bucket reads no clock.
const absl::Time kStart = absl::UnixEpoch() + absl::Hours(1000);

int TakeAll(TokenBucket& bucket, absl::Time now, int at_most) {
  int taken = 0;
  while (taken < at_most && bucket.TryTake(now)) ++taken;
  return taken;
}

TEST(TokenBucketTest, AQuietBucketAllowsOneBurstAtOnce) {
  TokenBucket bucket(/*per_second=*/10, /*burst=*/5);
  EXPECT_EQ(TakeAll(bucket, kStart, 100), 5);
  EXPECT_FALSE(bucket.TryTake(kStart));
}

TEST(TokenBucketTest, TokensComeBackAtTheRate) {
  TokenBucket bucket(/*per_second=*/10, /*burst=*/5);
  ASSERT_EQ(TakeAll(bucket, kStart, 100), 5);
  // One call every 100 ms.
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(99)));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Milliseconds(100)));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(100)));
  EXPECT_EQ(TakeAll(bucket, kStart + absl::Milliseconds(400), 100), 3);
}

TEST(TokenBucketTest, QuietTimeSavesNoMoreThanOneBurst) {
  TokenBucket bucket(/*per_second=*/10, /*burst=*/5);
  ASSERT_EQ(TakeAll(bucket, kStart, 100), 5);
  EXPECT_EQ(TakeAll(bucket, kStart + absl::Hours(1), 100), 5);
}

TEST(TokenBucketTest, ASustainedRateIsHeldOverTime) {
  TokenBucket bucket(/*per_second=*/100, /*burst=*/100);
  int taken = 0;
  // Ten seconds of a client trying every millisecond.
  for (int ms = 0; ms < 10'000; ++ms) {
    if (bucket.TryTake(kStart + absl::Milliseconds(ms))) ++taken;
  }
  // The first second's burst, then 100 a second.
  EXPECT_GE(taken, 100 + 999);
  EXPECT_LE(taken, 100 + 1000);
}

TEST(TokenBucketTest, ARefusedCallCostsNothing) {
  TokenBucket bucket(/*per_second=*/1, /*burst=*/1);
  ASSERT_TRUE(bucket.TryTake(kStart));
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(bucket.TryTake(kStart));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Seconds(1)));
}

TEST(TokenBucketTest, ManyThreadsTakeExactlyTheBurst) {
  TokenBucket bucket(/*per_second=*/1, /*burst=*/1000);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (bucket.TryTake(kStart)) ++taken;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(taken.load(), 1000);
}

}  // namespace
}  // namespace consentd::access
