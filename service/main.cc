// consentd: the consent and refusal registry server.
//
// With --dev it starts on the embedded development default: data in
// ./consentd-data, a development keyring generated there on first start,
// the shipped policy, loopback only, every local caller with every role.
// Otherwise it needs a keyring (--keyring, CONSENTD_KEYRING or
// --keyring-command) and an existing store (--init creates one). SIGINT or
// SIGTERM drain in-flight calls and stop cleanly; SIGHUP reads the --policy
// file again and puts it in force, or keeps the policy in force and says
// why. Its log is one key=value line per event on stderr (base/log_line.h).
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
#include "absl/cleanup/cleanup.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "access/caller_directory.h"
#include "base/log_line.h"
#include "base/status_macros.h"
#include "crypto/keyring.h"
#include "policy/default_policy.h"
#include "service/api/consent_server.h"
#include "service/api/metrics.h"
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
// its standard output, up to Keyring::kMaxTextSize, when it exits 0.
absl::StatusOr<std::string> RunKeyCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return absl::FailedPreconditionError("keyring command: cannot start");
  }
  std::string text(consentd::crypto::Keyring::kMaxTextSize, '\0');
  size_t read = fread(text.data(), 1, text.size(), pipe);
  const bool more = fgetc(pipe) != EOF;
  const int status = pclose(pipe);
  text.resize(read);
  if (more || status != 0) {
    OPENSSL_cleanse(text.data(), text.size());
    return absl::FailedPreconditionError(
        more ? "keyring command: printed more than 8 KiB"
             : "keyring command: exited with an error");
  }
  return text;
}

using consentd::LogLine;

int Fail(const absl::Status& status) {
  LogLine(LogLine::kError, "failed").Add(status);
  return 1;
}

// SIGHUP: the policy file read again and put in force, audited as the
// local operator's doing (principal "consentd"); on any error the policy in
// force stays.
void ReloadPolicy(const std::string& policy_path,
                  consentd::core::ConsentCore& consent_core) {
  const std::string in_force = consent_core.policy()->version();
  if (policy_path.empty()) {
    LogLine(LogLine::kWarning, "policy_kept")
        .Add("version", in_force)
        .Add("reason",
             "no --policy file to read again: the shipped policy stays");
    return;
  }
  absl::StatusOr<std::string> text = ReadTextFile("policy file", policy_path);
  absl::StatusOr<std::string> version =
      text.ok() ? consent_core.ReplacePolicy({"consentd", {}}, *text)
                : text.status();
  if (!version.ok()) {
    LogLine(LogLine::kError, "policy_kept")
        .Add("version", consent_core.policy()->version())
        .Add(version.status());
    return;
  }
  LogLine(LogLine::kInfo,
          *version == in_force ? "policy_unchanged" : "policy_replaced")
      .Add("previous", in_force)
      .Add("version", *version);
}

// The command line.
struct Flags {
  std::string data_dir = "consentd-data";
  std::string listen = "127.0.0.1:50051";
  std::string tls_cert_path;
  std::string tls_key_path;
  std::string client_ca_path;
  std::string access_path;
  std::string policy_path;
  std::string keyring_path;
  std::string keyring_command;
  std::string ready_file;
  std::string audit_anchor_path;
  std::string erasure_journal_path;
  std::string backup_dir;
  std::string restore_from;
  std::string metrics_listen;
  std::string add_key;
  bool erasure_journal_rebuild = false;
  bool dev = false;
  bool init = false;
  bool audit_reanchor = false;
};

void AddFlags(CLI::App& app, Flags& flags) {
  app.add_option("--data-dir", flags.data_dir,
                 "Directory of the store (created when absent)")
      ->capture_default_str();
  app.add_option("--listen", flags.listen,
                 "host:port to serve on (any host but loopback needs TLS)")
      ->capture_default_str();
  app.add_option("--tls-cert", flags.tls_cert_path,
                 "Server certificate chain, PEM: serve TLS");
  app.add_option("--tls-key", flags.tls_key_path,
                 "The certificate's private key, PEM (mode 0600)");
  app.add_option("--client-ca", flags.client_ca_path,
                 "CA certificates, PEM, that client certificates must chain "
                 "to (mutual TLS)");
  app.add_option("--access", flags.access_path,
                 "Text-format consent.v1.AccessConfig: callers and their "
                 "roles. Required unless --dev, which admits every local "
                 "caller as 'local' with every role");
  app.add_option("--policy", flags.policy_path,
                 "Text-format consent.v1.Policy (default: the shipped one)");
  app.add_option("--keyring", flags.keyring_path,
                 "Keyring file, mode 0600 (with --dev the default is "
                 "DATA_DIR/keyring, generated on first start). Or give the "
                 "keyring's text in CONSENTD_KEYRING");
  app.add_option("--keyring-command", flags.keyring_command,
                 "Shell command that prints the keyring (an external KMS)");
  app.add_flag("--dev", flags.dev,
               "Development: generate a keyring in the data directory when "
               "there is none, create the store, and without --access admit "
               "every local caller with every role");
  app.add_flag("--init", flags.init,
               "Create the store when the data directory has none");
  app.add_option("--audit-anchor", flags.audit_anchor_path,
                 "The audit anchor file: the latest signed audit checkpoint, "
                 "kept outside the database so a rolled-back store is "
                 "refused (default DATA_DIR/audit-anchor; better on another "
                 "volume)");
  app.add_flag("--audit-reanchor", flags.audit_reanchor,
               "Accept a store that does not match its audit anchor (after a "
               "deliberate restore); audited as audit.reanchored");
  app.add_option("--erasure-journal", flags.erasure_journal_path,
                 "The erasure journal: every erasure, kept outside the "
                 "database and re-applied to a store that lacks it (default "
                 "DATA_DIR/erasure-journal; better on another volume, never "
                 "restored with the data directory)");
  app.add_option("--backup-dir", flags.backup_dir,
                 "Where `consentctl admin backup` writes (default "
                 "DATA_DIR/backups)");
  app.add_option("--restore", flags.restore_from,
                 "Put this backup (its .manifest beside it) in place of the "
                 "store and exit: the store's files move to "
                 "DATA_DIR/before-restore-TIME, the audit trail is "
                 "re-anchored and every later erasure in the erasure journal "
                 "is carried out again. Then start consentd without it");
  app.add_flag("--erasure-journal-rebuild", flags.erasure_journal_rebuild,
               "Accept an erasure journal that lacks erasures the store "
               "holds (the journal was lost) and rebuild it from the store; "
               "erasures made after the store's copy cannot come back");
  app.add_option("--metrics-listen", flags.metrics_listen,
                 "Serve Prometheus metrics at http://HOST:PORT/metrics, "
                 "loopback only (e.g. 127.0.0.1:9464; default: none)");
  app.add_option("--add-key", flags.add_key,
                 "Append a new version of a key (database or signing) to the "
                 "--keyring file and exit; then restart consentd and, for a "
                 "database key, run `consentctl admin rekey`")
      ->check(CLI::IsMember({"database", "signing"}));
  app.add_option("--ready-file", flags.ready_file,
                 "Write the bound address here once serving");
}

// Where and how to serve, and to whom. Checked before anything is created
// on disk.
absl::StatusOr<consentd::api::ServingOptions> ServingFromFlags(
    const Flags& flags) {
  consentd::api::ServingOptions serving;
  serving.listen_address = flags.listen;
  if (flags.tls_cert_path.empty() != flags.tls_key_path.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!flags.tls_cert_path.empty()) {
    consentd::rpc::TlsOptions tls;
    ASSIGN_OR_RETURN(tls.certificate_chain,
                     ReadTextFile("TLS certificate", flags.tls_cert_path));
    ASSIGN_OR_RETURN(tls.private_key,
                     ReadTextFile("TLS key", flags.tls_key_path));
    if (!flags.client_ca_path.empty()) {
      ASSIGN_OR_RETURN(tls.client_ca,
                       ReadTextFile("client CA", flags.client_ca_path));
    }
    serving.tls = std::move(tls);
  } else if (!flags.client_ca_path.empty()) {
    return absl::InvalidArgumentError(
        "--client-ca needs TLS: give --tls-cert and --tls-key");
  }
  if (!flags.access_path.empty()) {
    ASSIGN_OR_RETURN(std::string text,
                     ReadTextFile("access file", flags.access_path));
    ASSIGN_OR_RETURN(serving.access, consentd::access::ParseAccessConfig(text));
  } else if (serving.tls.has_value()) {
    return absl::InvalidArgumentError(
        "TLS without --access would admit no one: give the callers and "
        "their roles in an access file");
  }
  RETURN_IF_ERROR(consentd::api::ValidateListenAddress(
      flags.listen, serving.tls.has_value()));
  if (flags.access_path.empty() && !flags.dev) {
    return absl::InvalidArgumentError(
        "no --access: give the callers and their roles in an access file "
        "(or --dev for development access, every local caller with every "
        "role)");
  }
  return serving;
}

// The store, its keyring and the policy.
absl::StatusOr<consentd::core::CoreOptions> CoreFromFlags(
    const Flags& flags, const consentd::api::ServingOptions& serving) {
  consentd::core::CoreOptions options;
  options.data_dir = flags.data_dir;
  options.keyring_path = flags.keyring_path;
  char* keyring_env = std::getenv("CONSENTD_KEYRING");
  const int keyring_sources = !flags.keyring_path.empty() +
                              !flags.keyring_command.empty() +
                              (keyring_env != nullptr);
  if (keyring_sources > 1) {
    return absl::InvalidArgumentError(
        "give the keyring one way: --keyring, CONSENTD_KEYRING or "
        "--keyring-command");
  }
  if (keyring_sources == 0 && !flags.dev) {
    return absl::InvalidArgumentError(
        "no keyring: give --keyring FILE, CONSENTD_KEYRING or "
        "--keyring-command (or --dev to generate a development keyring in "
        "the data directory)");
  }
  if (keyring_env != nullptr) {
    options.keyring_text = keyring_env;
    // Wiped where the environment kept it, and not for any child process.
    OPENSSL_cleanse(keyring_env, std::strlen(keyring_env));
    unsetenv("CONSENTD_KEYRING");
  } else if (!flags.keyring_command.empty()) {
    ASSIGN_OR_RETURN(options.keyring_text,
                     RunKeyCommand(flags.keyring_command));
  }
  if (keyring_sources == 1 && flags.keyring_path.empty() &&
      options.keyring_text.empty()) {
    return absl::InvalidArgumentError(keyring_env != nullptr
                                          ? "CONSENTD_KEYRING is empty"
                                          : "keyring command: printed nothing");
  }
  options.create_keyring = flags.dev && keyring_sources == 0;
  options.create_store = flags.dev || flags.init;
  options.audit_anchor_path = flags.audit_anchor_path;
  options.audit_reanchor = flags.audit_reanchor;
  options.erasure_journal_path = flags.erasure_journal_path;
  options.backup_dir = flags.backup_dir;
  options.restore_from = flags.restore_from;
  options.erasure_journal_rebuild = flags.erasure_journal_rebuild;
  options.require_second_officer = !serving.access.allow_single_officer();
  if (flags.policy_path.empty()) {
    options.policy_text = std::string(consentd::policy::DefaultPolicyText());
  } else {
    ASSIGN_OR_RETURN(options.policy_text,
                     ReadTextFile("policy file", flags.policy_path));
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "consentd: remembers consent, refusals and erasures per "
      "identifier, and answers before every contact."};
  Flags flags;
  AddFlags(app, flags);
  app.set_version_flag("--version", consentd::kConsentdVersion);
  CLI11_PARSE(app, argc, argv);

  // The store, its WAL and the keyring are for consentd's eyes only, and so
  // is its memory: no core dumps, no ptrace by other users' processes.
  umask(0077);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  // A file grown past RLIMIT_FSIZE is a failed write (EFBIG), answered as
  // one, not a killed process.
  signal(SIGXFSZ, SIG_IGN);
  // A closed stderr (the log) is a lost line, not a killed process.
  signal(SIGPIPE, SIG_IGN);

  // Block the signals consentd answers before any thread starts, so that
  // every thread inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Debian's Abseil is built without NDEBUG, so every Mutex operation would
  // also keep a lock-order graph for deadlock detection: a debugging aid
  // that taxes every check and write. The unit tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  if (!flags.add_key.empty()) {
    if (flags.keyring_path.empty() || !flags.keyring_command.empty() ||
        std::getenv("CONSENTD_KEYRING") != nullptr) {
      return Fail(absl::InvalidArgumentError(
          "--add-key changes a keyring file: give --keyring FILE, and neither "
          "--keyring-command nor CONSENTD_KEYRING (add the line there "
          "yourself)"));
    }
    absl::StatusOr<int> version = consentd::crypto::Keyring::AddKey(
        flags.keyring_path, flags.add_key == "database"
                                ? consentd::crypto::Keyring::Kind::kDatabase
                                : consentd::crypto::Keyring::Kind::kSigning);
    if (!version.ok()) return Fail(version.status());
    std::cout << "added " << flags.add_key << " key version " << *version
              << " to " << flags.keyring_path << "\n";
    return 0;
  }

  absl::StatusOr<consentd::api::ServingOptions> serving =
      ServingFromFlags(flags);
  if (!serving.ok()) return Fail(serving.status());
  absl::StatusOr<consentd::core::CoreOptions> options =
      CoreFromFlags(flags, *serving);
  if (!options.ok()) return Fail(options.status());

  absl::Time opening = absl::Now();
  auto consent_core = consentd::core::ConsentCore::Open(*std::move(options));
  if (!consent_core.ok()) return Fail(consent_core.status());
  if (const auto& erasures = (*consent_core)->erasure_reconciliation();
      erasures.reapplied > 0 || erasures.skipped > 0 ||
      erasures.journalled > 0) {
    LogLine(LogLine::kWarning, "erasures_reconciled")
        .Add("reapplied", erasures.reapplied)
        .Add("skipped_rejected", erasures.skipped)
        .Add("newly_journalled", erasures.journalled);
  }
  if (!flags.restore_from.empty()) {
    // One-shot, so that a --restore left in a unit file cannot roll the
    // store back at every restart.
    LogLine(LogLine::kInfo, "restored")
        .Add("backup", flags.restore_from)
        .Add("previous_files", (*consent_core)->restored_aside_dir())
        .Add("next", "start consentd without --restore to serve");
    consent_core->reset();
    return 0;
  }
  std::unique_ptr<consentd::api::ConsentdMetrics> metrics;
  if (!flags.metrics_listen.empty()) {
    auto started = consentd::api::ConsentdMetrics::Start(flags.metrics_listen,
                                                         consent_core->get());
    if (!started.ok()) return Fail(started.status());
    metrics = *std::move(started);
    serving->call_observer = metrics.get();
    LogLine(LogLine::kInfo, "metrics_serving")
        .Add("url", absl::StrCat("http://", metrics->address(), "/metrics"));
  }
  auto server =
      consentd::api::ConsentServer::Start(consent_core->get(), *serving);
  if (!server.ok()) return Fail(server.status());
  if (metrics != nullptr) metrics->ObserveServer(server->get());
  // Before the server goes, on every way out: a scrape must not read it.
  absl::Cleanup unobserve = [&metrics] {
    if (metrics != nullptr) metrics->ObserveServer(nullptr);
  };

  LogLine(LogLine::kInfo, "serving")
      .Add("version", consentd::kConsentdVersion)
      .Add("address", (*server)->address())
      .Add("transport", serving->tls.has_value() ? "tls" : "plaintext")
      .Add("access", flags.access_path.empty() ? "development" : "file")
      .Add("policy", (*consent_core)->policy()->version())
      .Add("schema", (*consent_core)->schema_version())
      .Add("identifiers", (*consent_core)->index().identifier_count())
      .Add("started_in", absl::Now() - opening);
  if (!flags.dev && flags.erasure_journal_path.empty()) {
    LogLine(LogLine::kWarning, "erasure_journal_in_data_dir")
        .Add("advice",
             "restoring the directory whole rolls the journal back with the "
             "store; give --erasure-journal on another volume");
  }
  if (!flags.dev && flags.audit_anchor_path.empty()) {
    LogLine(LogLine::kWarning, "audit_anchor_in_data_dir")
        .Add("advice",
             "a copy of the directory rolled back whole goes unnoticed; give "
             "--audit-anchor on another volume");
  }
  if ((*consent_core)->database_key_version() !=
      (*consent_core)->newest_database_key_version()) {
    LogLine(LogLine::kWarning, "store_key_not_newest")
        .Add("database_key_version", (*consent_core)->database_key_version())
        .Add("newest", (*consent_core)->newest_database_key_version())
        .Add("advice", "run `consentctl admin rekey`");
  }
  if (!flags.ready_file.empty()) {
    if (absl::Status s = WriteReadyFile(flags.ready_file, (*server)->address());
        !s.ok()) {
      return Fail(s);
    }
  }

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    ReloadPolicy(flags.policy_path, **consent_core);
  }
  const char* signal_name = sigabbrev_np(signal_number);
  LogLine(LogLine::kInfo, "draining")
      .Add("signal", signal_name != nullptr ? signal_name : "unknown")
      .Add("grace", kShutdownGrace);
  std::move(unobserve).Invoke();
  (*server)->Shutdown(kShutdownGrace);
  server->reset();
  metrics.reset();
  consent_core->reset();
  LogLine(LogLine::kInfo, "stopped");
  return 0;
}
