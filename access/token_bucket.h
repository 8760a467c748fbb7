// TokenBucket: one caller's rate limit: `per_second` calls a second on
// average, with bursts of up to `burst` calls at once after a quiet spell.
//
//   TokenBucket limit(/*per_second=*/100, /*burst=*/100);
//   if (!limit.TryTake(MonotonicNow())) return Refuse();
//
// Pure, as all of access/ is: the caller passes the time. Kept as the
// generic cell rate algorithm (the time the next call would be due at the
// sustained rate) in one atomic, so calls on any number of threads take
// from it without a lock.
//
// Thread-safety: TryTake may be called from any thread.
#ifndef CONSENTD_ACCESS_TOKEN_BUCKET_H_
#define CONSENTD_ACCESS_TOKEN_BUCKET_H_

#include <atomic>
#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace consentd::access {

class TokenBucket {
 public:
  // `per_second` and `burst` at least 1.
  TokenBucket(uint32_t per_second, uint32_t burst);
  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  // True, and the call counted, when a call at `now` keeps within the
  // rate; false, and nothing counted, when it would exceed it. `now` must
  // come from a clock that never steps back (a monotonic one): a wall
  // clock set back an hour would refuse every call for that hour.
  bool TryTake(absl::Time now);

  uint32_t per_second() const { return per_second_; }

 private:
  const uint32_t per_second_;
  // Nanoseconds between calls at the sustained rate.
  const int64_t interval_;
  // How far ahead of the sustained rate a burst may run.
  const int64_t tolerance_;
  // When the next call is due at the sustained rate (Unix nanoseconds).
  std::atomic<int64_t> due_{std::numeric_limits<int64_t>::min()};
};

}  // namespace consentd::access

#endif  // CONSENTD_ACCESS_TOKEN_BUCKET_H_
