#include "tests/testing/consentd_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace consentd::testing {

absl::StatusOr<ConsentdProcess> ConsentdProcess::Start(
    const std::string& data_dir, std::vector<std::string> extra_args,
    absl::Duration timeout) {
  ConsentdProcess process;
  const std::string ready_file = data_dir + ".ready";
  process.log_path_ = data_dir + ".log";
  unlink(ready_file.c_str());
  std::vector<std::string> args = {"--data-dir",  data_dir,       "--listen",
                                   "127.0.0.1:0", "--ready-file", ready_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<pid_t> pid =
      SpawnProgram(CONSENTD_BINARY, args, "/dev/null", process.log_path_);
  if (!pid.ok()) return pid.status();
  process.pid_ = *pid;

  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string address(
        absl::StripAsciiWhitespace(ReadFileOrEmpty(ready_file)));
    if (!address.empty()) {
      process.address_ = address;
      return process;
    }
    int status;
    if (waitpid(process.pid_, &status, WNOHANG) == process.pid_) {
      process.pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("consentd exited at start-up: ", process.log()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("consentd was not ready in time");
}

ConsentdProcess::ConsentdProcess(ConsentdProcess&& other) noexcept
    : pid_(other.pid_),
      address_(std::move(other.address_)),
      log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

ConsentdProcess::~ConsentdProcess() { Kill(); }

int ConsentdProcess::Signal(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int code = WaitForExit(pid_, absl::Seconds(30));
  pid_ = -1;
  return code;
}

int ConsentdProcess::Stop() { return Signal(SIGTERM); }

std::vector<std::string> ConsentdProcess::ReloadLines() const {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(log(), '\n')) {
    for (absl::string_view event :
         {" event=policy_replaced", " event=policy_unchanged",
          " event=policy_kept"}) {
      if (absl::StrContains(line, event)) lines.emplace_back(line);
    }
  }
  return lines;
}

std::string ConsentdProcess::Reload(absl::Duration timeout) {
  const size_t before = ReloadLines().size();
  if (pid_ <= 0 || kill(pid_, SIGHUP) != 0) return "";
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::vector<std::string> lines = ReloadLines();
    if (lines.size() > before) return lines[before];
    absl::SleepFor(absl::Milliseconds(10));
  }
  return "";
}

void ConsentdProcess::Kill() { Signal(SIGKILL); }

}  // namespace consentd::testing
