// RunProgram: runs a program to completion, bounded in time, and returns its
// exit code and output, for tests of the real binaries.
#ifndef CONSENTD_TESTS_TESTING_RUN_PROGRAM_H_
#define CONSENTD_TESTS_TESTING_RUN_PROGRAM_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace consentd::testing {

struct ProgramResult {
  // The exit code; 128 + signal when killed; -1 when it overran its time.
  int code = -1;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs `binary` with `args`, standard input from /dev/null.
ProgramResult RunProgram(const std::string& binary,
                         const std::vector<std::string>& args,
                         absl::Duration timeout = absl::Seconds(30));

// Starts `binary` with `args` without waiting, stderr to `stderr_path`.
absl::StatusOr<pid_t> SpawnProgram(const std::string& binary,
                                   const std::vector<std::string>& args,
                                   const std::string& stdout_path,
                                   const std::string& stderr_path);

// Waits for `pid` up to `timeout`; returns its exit code as RunProgram does,
// killing it when it overruns.
int WaitForExit(pid_t pid, absl::Duration timeout);

// The contents of a file; empty when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_RUN_PROGRAM_H_
