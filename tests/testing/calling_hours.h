// CallingHourAfter: a time the shipped policy allows calls in, for scenario
// tests that check against a real consentd on the real clock.
#ifndef CONSENTD_TESTS_TESTING_CALLING_HOURS_H_
#define CONSENTD_TESTS_TESTING_CALLING_HOURS_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace consentd::testing {

// 10:00 in Ljubljana on the first weekday after `after`'s day.
inline google::protobuf::Timestamp CallingHourAfter(absl::Time after) {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Ljubljana", &zone);
  absl::CivilDay day = absl::ToCivilDay(after, zone) + 1;
  while (absl::GetWeekday(day) == absl::Weekday::saturday ||
         absl::GetWeekday(day) == absl::Weekday::sunday) {
    day += 1;
  }
  const absl::Time at = absl::FromCivil(
      absl::CivilHour(day.year(), day.month(), day.day(), 10), zone);
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(at));
}

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_CALLING_HOURS_H_
