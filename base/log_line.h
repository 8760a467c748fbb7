// LogLine: one structured log line (logfmt: key=value pairs) on stderr.
//
//   LogLine(LogLine::kInfo, "serving").Add("address", address).Add("tls", 1);
//   → ts=2026-12-02T18:00:00.123Z level=info event=serving
//     address=127.0.0.1:50051 tls=1
//
// The line is written with one write(2) when the LogLine is destroyed (at
// the end of the statement that makes a temporary one), so lines of
// different threads do not interleave (on a pipe, for lines up to
// PIPE_BUF). A value that is empty or
// holds a space, '=', '"', '\' or a control character is quoted, with '"',
// '\' and control characters escaped; keys are the caller's constants.
// Never give it personal data: identifiers, names, evidence text.
//
// Thread-safety: a LogLine is used by one thread; any number may be
// written at once.
#ifndef CONSENTD_BASE_LOG_LINE_H_
#define CONSENTD_BASE_LOG_LINE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace consentd {

class LogLine {
 public:
  enum Level { kInfo, kWarning, kError };

  LogLine(Level level, absl::string_view event);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Add(absl::string_view key, absl::string_view value);
  LogLine& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  LogLine& Add(absl::string_view key, int64_t value);
  LogLine& Add(absl::string_view key, absl::Duration value);
  // code= and error= (the message) of a status that is not OK.
  LogLine& Add(const absl::Status& status);

  // The line as written, without its newline; for tests.
  const std::string& text() const { return text_; }

  // Tests only: the time written as ts=, instead of the clock's.
  static LogLine AtForTesting(absl::Time at, Level level,
                              absl::string_view event);

 private:
  LogLine(absl::Time at, Level level, absl::string_view event, bool write);

  std::string text_;
  bool write_;
};

}  // namespace consentd

#endif  // CONSENTD_BASE_LOG_LINE_H_
