#include "access/token_bucket.h"

#include <algorithm>

namespace consentd::access {

TokenBucket::TokenBucket(uint32_t per_second, uint32_t burst)
    : per_second_(per_second),
      interval_(1'000'000'000 / std::max<int64_t>(per_second, 1)),
      tolerance_(interval_ * (std::max<int64_t>(burst, 1) - 1)) {}

bool TokenBucket::TryTake(absl::Time now) {
  const int64_t t = absl::ToUnixNanos(now);
  int64_t due = due_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t from = std::max(due, t);
    if (from - t > tolerance_) return false;
    if (due_.compare_exchange_weak(due, from + interval_,
                                   std::memory_order_relaxed)) {
      return true;
    }
  }
}

}  // namespace consentd::access
