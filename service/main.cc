// consentd: the consent and refusal registry server.
//
// With no flags it starts on the embedded default: data in ./consentd-data,
// a development keyring generated there on first start, the shipped policy,
// loopback only. SIGINT or SIGTERM drain in-flight calls and stop cleanly.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "policy/default_policy.h"
#include "service/api/consent_server.h"
#include "service/core/consent_core.h"
#include "service/version.h"

namespace {

constexpr absl::Duration kShutdownGrace = absl::Seconds(10);

absl::StatusOr<std::string> ReadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("policy file ", path, ": cannot read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Written only once the server accepts calls, so a supervisor or a test
// can wait for the file instead of polling the port.
absl::Status WriteReadyFile(const std::string& path,
                            const std::string& address) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << address << "\n";
    if (!out.flush()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ready file ", path, ": cannot write"));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("ready file ", path, ": cannot write"));
  }
  return absl::OkStatus();
}

int Fail(const absl::Status& status) {
  std::cerr << "consentd: " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "consentd: remembers consent, refusals and erasures per "
      "identifier, and answers before every contact."};
  std::string data_dir = "consentd-data";
  std::string listen = "127.0.0.1:50051";
  std::string policy_path;
  std::string keyring_path;
  std::string ready_file;
  app.add_option("--data-dir", data_dir,
                 "Directory of the store (created when absent)")
      ->capture_default_str();
  app.add_option("--listen", listen, "host:port to serve on (loopback only)")
      ->capture_default_str();
  app.add_option("--policy", policy_path,
                 "Text-format consent.v1.Policy (default: the shipped one)");
  app.add_option("--keyring", keyring_path,
                 "Keyring file, mode 0600 (default: DATA_DIR/keyring, "
                 "generated on first start)");
  app.add_option("--ready-file", ready_file,
                 "Write the bound address here once serving");
  app.set_version_flag("--version", consentd::kConsentdVersion);
  CLI11_PARSE(app, argc, argv);

  // The store, its WAL and the keyring are for consentd's eyes only.
  umask(0077);

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Debian's Abseil is built without NDEBUG, so every Mutex operation would
  // also keep a lock-order graph for deadlock detection: a debugging aid
  // that taxes every check and write. The unit tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Refuse a bad address before anything is created on disk.
  if (absl::Status s = consentd::api::ValidateLoopbackAddress(listen);
      !s.ok()) {
    return Fail(s);
  }

  consentd::core::CoreOptions options;
  options.data_dir = data_dir;
  options.keyring_path = keyring_path;
  options.create_keyring = keyring_path.empty();
  if (policy_path.empty()) {
    options.policy_text = std::string(consentd::policy::DefaultPolicyText());
  } else {
    absl::StatusOr<std::string> text = ReadPolicyFile(policy_path);
    if (!text.ok()) return Fail(text.status());
    options.policy_text = *std::move(text);
  }

  absl::Time opening = absl::Now();
  auto consent_core = consentd::core::ConsentCore::Open(std::move(options));
  if (!consent_core.ok()) return Fail(consent_core.status());
  auto server =
      consentd::api::ConsentServer::Start(consent_core->get(), listen);
  if (!server.ok()) return Fail(server.status());

  std::cerr << "consentd " << consentd::kConsentdVersion << ": serving on "
            << (*server)->address() << " (policy "
            << (*consent_core)->policy().version() << ", schema v"
            << (*consent_core)->schema_version() << ", "
            << (*consent_core)->index().identifier_count()
            << " identifiers indexed, started in "
            << absl::FormatDuration(absl::Now() - opening) << ")\n";
  if (!ready_file.empty()) {
    if (absl::Status s = WriteReadyFile(ready_file, (*server)->address());
        !s.ok()) {
      return Fail(s);
    }
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "consentd: signal " << signal_number << ", draining calls\n";
  (*server)->Shutdown(kShutdownGrace);
  server->reset();
  consent_core->reset();
  std::cerr << "consentd: stopped\n";
  return 0;
}
