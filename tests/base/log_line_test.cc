#include "base/log_line.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace consentd {
namespace {

const absl::Time kAt = absl::FromUnixMillis(1'796'234'400'123);  // 2026-12-02

TEST(LogLineTest, NamesTimeLevelAndEventFirst) {
  LogLine line = LogLine::AtForTesting(kAt, LogLine::kWarning, "reload");
  EXPECT_EQ(line.text(),
            "ts=2026-12-02T18:00:00.123Z level=warning event=reload");
}

TEST(LogLineTest, PlainValuesStayBareAndNumbersAreDecimal) {
  LogLine line = LogLine::AtForTesting(kAt, LogLine::kInfo, "serving");
  line.Add("address", "127.0.0.1:50051").Add("identifiers", int64_t{-42});
  line.Add("took", absl::Milliseconds(1500));
  EXPECT_EQ(line.text(),
            "ts=2026-12-02T18:00:00.123Z level=info event=serving "
            "address=127.0.0.1:50051 identifiers=-42 took=1.5s");
}

TEST(LogLineTest, QuotesAndEscapesWhatWouldBreakTheLine) {
  LogLine line = LogLine::AtForTesting(kAt, LogLine::kError, "x");
  line.Add("empty", "")
      .Add("spaces", "two words")
      .Add("equals", "a=b")
      .Add("quote", "say \"no\"")
      .Add("backslash", "a\\b")
      .Add("newline", "one\ntwo")
      .Add("control", absl::string_view("\x01\x7f", 2));
  EXPECT_EQ(line.text(),
            "ts=2026-12-02T18:00:00.123Z level=error event=x empty=\"\" "
            "spaces=\"two words\" equals=\"a=b\" quote=\"say \\\"no\\\"\" "
            "backslash=\"a\\\\b\" newline=\"one\\ntwo\" "
            "control=\"\\x01\\x7f\"");
}

TEST(LogLineTest, AStatusGivesItsCodeAndMessage) {
  LogLine line = LogLine::AtForTesting(kAt, LogLine::kError, "reload");
  line.Add(absl::FailedPreconditionError("restart consentd"));
  line.Add(absl::OkStatus());
  EXPECT_EQ(line.text(),
            "ts=2026-12-02T18:00:00.123Z level=error event=reload "
            "code=FAILED_PRECONDITION error=\"restart consentd\"");
}

}  // namespace
}  // namespace consentd
