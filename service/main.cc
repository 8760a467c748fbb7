// consentd: the consent and refusal registry server.
//
// With --dev it starts on the embedded development default: data in
// ./consentd-data, a development keyring generated there on first start,
// the shipped policy, loopback only, every local caller with every role.
// Otherwise it needs a keyring (--keyring, CONSENTD_KEYRING or
// --keyring-command) and an existing store (--init creates one). SIGINT or
// SIGTERM drain in-flight calls and stop cleanly.
#include <openssl/crypto.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "access/caller_directory.h"
#include "policy/default_policy.h"
#include "service/api/consent_server.h"
#include "service/core/consent_core.h"
#include "service/version.h"

namespace {

constexpr absl::Duration kShutdownGrace = absl::Seconds(10);

// `what` names the file's role in errors ("policy file", "TLS key").
absl::StatusOr<std::string> ReadTextFile(absl::string_view what,
                                         const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(what, " ", path, ": cannot read"));
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

// The keyring a key command prints (an external KMS, a secrets manager):
// its standard output, up to 4 KiB, when it exits 0.
absl::StatusOr<std::string> RunKeyCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return absl::FailedPreconditionError("keyring command: cannot start");
  }
  std::string text(4096, '\0');
  size_t read = fread(text.data(), 1, text.size(), pipe);
  const bool more = fgetc(pipe) != EOF;
  const int status = pclose(pipe);
  text.resize(read);
  if (more || status != 0) {
    OPENSSL_cleanse(text.data(), text.size());
    return absl::FailedPreconditionError(
        more ? "keyring command: printed more than 4 KiB"
             : "keyring command: exited with an error");
  }
  return text;
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
  std::string tls_cert_path;
  std::string tls_key_path;
  std::string client_ca_path;
  std::string access_path;
  app.add_option("--data-dir", data_dir,
                 "Directory of the store (created when absent)")
      ->capture_default_str();
  app.add_option("--listen", listen,
                 "host:port to serve on (any host but loopback needs TLS)")
      ->capture_default_str();
  app.add_option("--tls-cert", tls_cert_path,
                 "Server certificate chain, PEM: serve TLS");
  app.add_option("--tls-key", tls_key_path,
                 "The certificate's private key, PEM (mode 0600)");
  app.add_option("--client-ca", client_ca_path,
                 "CA certificates, PEM, that client certificates must chain "
                 "to (mutual TLS)");
  app.add_option("--access", access_path,
                 "Text-format consent.v1.AccessConfig: callers and their "
                 "roles. Required unless --dev, which admits every local "
                 "caller as 'local' with every role");
  app.add_option("--policy", policy_path,
                 "Text-format consent.v1.Policy (default: the shipped one)");
  std::string keyring_command;
  bool dev = false;
  bool init = false;
  app.add_option("--keyring", keyring_path,
                 "Keyring file, mode 0600 (with --dev the default is "
                 "DATA_DIR/keyring, generated on first start). Or give the "
                 "keyring's text in CONSENTD_KEYRING");
  app.add_option("--keyring-command", keyring_command,
                 "Shell command that prints the keyring (an external KMS)");
  app.add_flag("--dev", dev,
               "Development: generate a keyring in the data directory when "
               "there is none, create the store, and without --access admit "
               "every local caller with every role");
  app.add_flag("--init", init,
               "Create the store when the data directory has none");
  app.add_option("--ready-file", ready_file,
                 "Write the bound address here once serving");
  app.set_version_flag("--version", consentd::kConsentdVersion);
  CLI11_PARSE(app, argc, argv);

  // The store, its WAL and the keyring are for consentd's eyes only, and so
  // is its memory: no core dumps, no ptrace by other users' processes.
  umask(0077);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);

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

  // Refuse a bad address or access set-up before anything is created on
  // disk.
  consentd::api::ServingOptions serving;
  serving.listen_address = listen;
  if (tls_cert_path.empty() != tls_key_path.empty()) {
    return Fail(
        absl::InvalidArgumentError("--tls-cert and --tls-key go together"));
  }
  if (!tls_cert_path.empty()) {
    consentd::rpc::TlsOptions tls;
    absl::StatusOr<std::string> text =
        ReadTextFile("TLS certificate", tls_cert_path);
    if (!text.ok()) return Fail(text.status());
    tls.certificate_chain = *std::move(text);
    text = ReadTextFile("TLS key", tls_key_path);
    if (!text.ok()) return Fail(text.status());
    tls.private_key = *std::move(text);
    if (!client_ca_path.empty()) {
      text = ReadTextFile("client CA", client_ca_path);
      if (!text.ok()) return Fail(text.status());
      tls.client_ca = *std::move(text);
    }
    serving.tls = std::move(tls);
  } else if (!client_ca_path.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--client-ca needs TLS: give --tls-cert and --tls-key"));
  }
  if (!access_path.empty()) {
    absl::StatusOr<std::string> text = ReadTextFile("access file", access_path);
    if (!text.ok()) return Fail(text.status());
    absl::StatusOr<consent::v1::AccessConfig> access =
        consentd::access::ParseAccessConfig(*text);
    if (!access.ok()) return Fail(access.status());
    serving.access = *std::move(access);
  } else if (serving.tls.has_value()) {
    return Fail(absl::InvalidArgumentError(
        "TLS without --access would admit no one: give the callers and "
        "their roles in an access file"));
  }
  if (absl::Status s =
          consentd::api::ValidateListenAddress(listen, serving.tls.has_value());
      !s.ok()) {
    return Fail(s);
  }
  if (access_path.empty() && !dev) {
    return Fail(absl::InvalidArgumentError(
        "no --access: give the callers and their roles in an access file "
        "(or --dev for development access, every local caller with every "
        "role)"));
  }

  consentd::core::CoreOptions options;
  options.data_dir = data_dir;
  options.keyring_path = keyring_path;
  char* keyring_env = std::getenv("CONSENTD_KEYRING");
  const int keyring_sources = !keyring_path.empty() + !keyring_command.empty() +
                              (keyring_env != nullptr);
  if (keyring_sources > 1) {
    return Fail(absl::InvalidArgumentError(
        "give the keyring one way: --keyring, CONSENTD_KEYRING or "
        "--keyring-command"));
  }
  if (keyring_sources == 0 && !dev) {
    return Fail(absl::InvalidArgumentError(
        "no keyring: give --keyring FILE, CONSENTD_KEYRING or "
        "--keyring-command (or --dev to generate a development keyring in "
        "the data directory)"));
  }
  if (keyring_env != nullptr) {
    options.keyring_text = keyring_env;
    // Wiped where the environment kept it, and not for any child process.
    OPENSSL_cleanse(keyring_env, std::strlen(keyring_env));
    unsetenv("CONSENTD_KEYRING");
  } else if (!keyring_command.empty()) {
    absl::StatusOr<std::string> text = RunKeyCommand(keyring_command);
    if (!text.ok()) return Fail(text.status());
    options.keyring_text = *std::move(text);
  }
  if (keyring_sources == 1 && keyring_path.empty() &&
      options.keyring_text.empty()) {
    return Fail(absl::InvalidArgumentError(
        keyring_env != nullptr ? "CONSENTD_KEYRING is empty"
                               : "keyring command: printed nothing"));
  }
  options.create_keyring = dev && keyring_sources == 0;
  options.create_store = dev || init;
  options.require_second_officer = !serving.access.allow_single_officer();
  if (policy_path.empty()) {
    options.policy_text = std::string(consentd::policy::DefaultPolicyText());
  } else {
    absl::StatusOr<std::string> text = ReadTextFile("policy file", policy_path);
    if (!text.ok()) return Fail(text.status());
    options.policy_text = *std::move(text);
  }

  absl::Time opening = absl::Now();
  auto consent_core = consentd::core::ConsentCore::Open(std::move(options));
  if (!consent_core.ok()) return Fail(consent_core.status());
  auto server =
      consentd::api::ConsentServer::Start(consent_core->get(), serving);
  if (!server.ok()) return Fail(server.status());

  std::cerr << "consentd " << consentd::kConsentdVersion << ": serving on "
            << (*server)->address()
            << (serving.tls.has_value() ? " with TLS" : " in plain text")
            << (access_path.empty() ? ", development access" : "")
            << " (policy " << (*consent_core)->policy().version()
            << ", schema v" << (*consent_core)->schema_version() << ", "
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
