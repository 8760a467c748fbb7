#include "tests/testing/run_program.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace consentd::testing {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<pid_t> SpawnProgram(const std::string& binary,
                                   const std::vector<std::string>& args,
                                   const std::string& stdout_path,
                                   const std::string& stderr_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(),
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("cannot run ", binary));
  return pid;
}

int WaitForExit(pid_t pid, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

ProgramResult RunProgram(const std::string& binary,
                         const std::vector<std::string>& args,
                         absl::Duration timeout) {
  ProgramResult result;
  char dir_template[] = "/tmp/consentd-run-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string out = dir + "/stdout", err = dir + "/stderr";
  absl::StatusOr<pid_t> pid = SpawnProgram(binary, args, out, err);
  if (pid.ok()) {
    result.code = WaitForExit(*pid, timeout);
    result.stdout_text = ReadFileOrEmpty(out);
    result.stderr_text = ReadFileOrEmpty(err);
  }
  unlink(out.c_str());
  unlink(err.c_str());
  rmdir(dir.c_str());
  return result;
}

}  // namespace consentd::testing
