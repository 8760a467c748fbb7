// Clock: where the domain gets "now" from, so tests can fix it.
#ifndef CONSENTD_SERVICE_CORE_CLOCK_H_
#define CONSENTD_SERVICE_CORE_CLOCK_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace consentd::core {

using Clock = std::function<absl::Time()>;

inline Clock SystemClock() {
  return [] { return absl::Now(); };
}

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_CLOCK_H_
