#include "service/core/request_deadline.h"

#include <algorithm>

namespace consentd::core {

absl::Time AddCalendarMonths(absl::Time from, int months) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond at = absl::ToCivilSecond(from, utc);
  const absl::CivilMonth month = absl::CivilMonth(at) + months;
  // The last day of the target month: the day before the next month's 1st.
  const int last_day = (absl::CivilDay(month + 1) - 1).day();
  const absl::CivilSecond due(month.year(), month.month(),
                              std::min(at.day(), last_day), at.hour(),
                              at.minute(), at.second());
  return absl::FromCivil(due, utc) +
         (from - absl::FromCivil(at, utc));  // keep sub-second precision
}

}  // namespace consentd::core
