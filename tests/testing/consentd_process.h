// ConsentdProcess: the real consentd binary, started on a loopback port
// chosen by the kernel, for integration and scenario tests. Start waits
// (bounded) for the ready file; Stop sends SIGTERM and waits for a clean
// exit; Kill sends SIGKILL, as a crash would.
#ifndef CONSENTD_TESTS_TESTING_CONSENTD_PROCESS_H_
#define CONSENTD_TESTS_TESTING_CONSENTD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/testing/run_program.h"

namespace consentd::testing {

class ConsentdProcess {
 public:
  // Starts consentd with `--data-dir data_dir --listen 127.0.0.1:0` and
  // `extra_args` (by default --dev: a keyring and a store made on first
  // start). Errors: the process exited (its stderr in the message) or was
  // not ready within `timeout`.
  static absl::StatusOr<ConsentdProcess> Start(
      const std::string& data_dir,
      std::vector<std::string> extra_args = {"--dev"},
      absl::Duration timeout = absl::Seconds(20));

  // Runs consentd with `args` to completion (for start-up failures).
  static ProgramResult RunToExit(const std::vector<std::string>& args) {
    return RunProgram(CONSENTD_BINARY, args);
  }

  ConsentdProcess(ConsentdProcess&& other) noexcept;
  ConsentdProcess& operator=(ConsentdProcess&&) = delete;
  ~ConsentdProcess();

  const std::string& address() const { return address_; }
  // The process, for tests that change its limits.
  pid_t pid() const { return pid_; }
  // Everything the server has written to stderr so far.
  std::string log() const { return ReadFileOrEmpty(log_path_); }

  // SIGTERM, then wait; returns the exit code (0 for a clean stop).
  int Stop();
  // SIGHUP (read the policy file again), and wait up to `timeout` for the
  // log line its answer writes (event=policy_replaced, policy_unchanged or
  // policy_kept); returns that line, or an empty string on timeout.
  std::string Reload(absl::Duration timeout = absl::Seconds(20));
  // SIGKILL, then wait.
  void Kill();

 private:
  ConsentdProcess() = default;
  int Signal(int signal_number);
  // The lines of the log whose event= is a policy reload's.
  std::vector<std::string> ReloadLines() const;

  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
};

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_CONSENTD_PROCESS_H_
