#include "service/core/request_deadline.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace consentd::core {
namespace {

absl::Time Utc(int y, int m, int d, int hh = 10, int mm = 30) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm),
                         absl::UTCTimeZone());
}

TEST(RequestDeadlineTest, IsTheSameDayNextMonthAtTheSameTime) {
  EXPECT_EQ(RequestDueAt(Utc(2026, 11, 23), 0), Utc(2026, 12, 23));
  EXPECT_EQ(RequestDueAt(Utc(2026, 12, 15), 0), Utc(2027, 1, 15));
}

TEST(RequestDeadlineTest, ThirtyFirstOfJanuaryIsDueAtTheEndOfFebruary) {
  EXPECT_EQ(RequestDueAt(Utc(2026, 1, 31), 0), Utc(2026, 2, 28));
  EXPECT_EQ(RequestDueAt(Utc(2026, 1, 29), 0), Utc(2026, 2, 28));
}

TEST(RequestDeadlineTest, LeapYearsHaveATwentyNinthOfFebruary) {
  EXPECT_EQ(RequestDueAt(Utc(2028, 1, 31), 0), Utc(2028, 2, 29));
  EXPECT_EQ(RequestDueAt(Utc(2028, 1, 29), 0), Utc(2028, 2, 29));
  EXPECT_EQ(RequestDueAt(Utc(2100, 1, 31), 0), Utc(2100, 2, 28))
      << "2100 is not a leap year";
  EXPECT_EQ(RequestDueAt(Utc(2000, 1, 31), 0), Utc(2000, 2, 29)) << "2000 is";
}

TEST(RequestDeadlineTest, ShorterMonthsClampToTheirLastDay) {
  EXPECT_EQ(RequestDueAt(Utc(2026, 3, 31), 0), Utc(2026, 4, 30));
  EXPECT_EQ(RequestDueAt(Utc(2026, 8, 31), 0), Utc(2026, 9, 30));
  EXPECT_EQ(RequestDueAt(Utc(2026, 12, 31), 0), Utc(2027, 1, 31));
}

TEST(RequestDeadlineTest, AnExtensionCountsFromReceiptNotFromTheOldDueDate) {
  // 31 Jan + 1 month = 28 Feb, but + 3 months = 30 Apr (not 28 Apr).
  EXPECT_EQ(RequestDueAt(Utc(2026, 1, 31), 2), Utc(2026, 4, 30));
  EXPECT_EQ(RequestDueAt(Utc(2026, 1, 31), 1), Utc(2026, 3, 31));
  EXPECT_EQ(RequestDueAt(Utc(2026, 11, 30), 2), Utc(2027, 2, 28));
}

TEST(RequestDeadlineTest, KeepsSubSecondPrecision) {
  absl::Time received = Utc(2026, 5, 31) + absl::Milliseconds(250);
  EXPECT_EQ(RequestDueAt(received, 0),
            Utc(2026, 6, 30) + absl::Milliseconds(250));
}

}  // namespace
}  // namespace consentd::core
