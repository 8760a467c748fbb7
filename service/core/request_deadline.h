// Deadlines of data-subject requests (GDPR Art. 12(3)): one calendar month
// after receipt, extendable by at most two further months.
//
// "One calendar month" is the same day of the next month at the same time
// of day, or the last day of that month when it is shorter: 31 January is
// due on 28 February (29 in a leap year), 31 March on 30 April. Dates are
// counted in UTC.
#ifndef CONSENTD_SERVICE_CORE_REQUEST_DEADLINE_H_
#define CONSENTD_SERVICE_CORE_REQUEST_DEADLINE_H_

#include "absl/time/time.h"

namespace consentd::core {

inline constexpr int kMaxExtensionMonths = 2;

// `from` plus `months` calendar months (months >= 0), clamped to the end of
// the target month.
absl::Time AddCalendarMonths(absl::Time from, int months);

// The due date of a request received at `received` and extended by
// `extension_months` (0-2).
inline absl::Time RequestDueAt(absl::Time received, int extension_months) {
  return AddCalendarMonths(received, 1 + extension_months);
}

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_REQUEST_DEADLINE_H_
