#include "base/log_line.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace consentd {
namespace {

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte == 0x7f || c == '=' || c == '"' || c == '\\') {
      return true;
    }
  }
  return false;
}

void AppendValue(std::string& out, absl::string_view value) {
  if (!NeedsQuotes(value)) {
    out.append(value.data(), value.size());
    return;
  }
  out.push_back('"');
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (byte < ' ' || byte == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

constexpr absl::string_view kLevelNames[] = {"info", "warning", "error"};

}  // namespace

LogLine::LogLine(Level level, absl::string_view event)
    : LogLine(absl::Now(), level, event, /*write=*/true) {}

LogLine::LogLine(absl::Time at, Level level, absl::string_view event,
                 bool write)
    : write_(write) {
  absl::StrAppend(
      &text_,
      "ts=", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", at, absl::UTCTimeZone()),
      " level=", kLevelNames[level], " event=");
  AppendValue(text_, event);
}

LogLine LogLine::AtForTesting(absl::Time at, Level level,
                              absl::string_view event) {
  return LogLine(at, level, event, /*write=*/false);
}

LogLine::~LogLine() {
  if (!write_) return;
  text_.push_back('\n');
  // One write, so that concurrent lines do not interleave (whole for lines
  // up to PIPE_BUF on a pipe, any length on a file); the rest of a short
  // write follows. A log that cannot be written is not worth failing a
  // call for.
  absl::string_view rest = text_;
  while (!rest.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    rest.remove_prefix(static_cast<size_t>(written));
  }
}

LogLine& LogLine::Add(absl::string_view key, absl::string_view value) {
  absl::StrAppend(&text_, " ", key, "=");
  AppendValue(text_, value);
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, int64_t value) {
  absl::StrAppend(&text_, " ", key, "=", value);
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, absl::Duration value) {
  return Add(key, absl::FormatDuration(value));
}

LogLine& LogLine::Add(const absl::Status& status) {
  if (status.ok()) return *this;
  Add("code", absl::StatusCodeToString(status.code()));
  return Add("error", status.message());
}

}  // namespace consentd
