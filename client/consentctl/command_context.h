// CommandContext: what every consentctl command shares. The global flags
// (--server, the TLS and token files, --json, --timeout), the client and
// printer made from them, and the exit status the command leaves.
//
// Each command group adds its subcommands to the CLI11 app and hands each
// one's work to OnRun. CLI11 calls back only the subcommand named on the
// command line, once the whole line has parsed; by then the client and the
// printer are ready. Errors are reported on standard error as
// "consentctl: CODE: message".
//
// Exit statuses: 0 success (for check: ALLOW), kExitDenied when a check
// answered DENY, kExitError for any error.
#ifndef CONSENTD_CLIENT_CONSENTCTL_COMMAND_CONTEXT_H_
#define CONSENTD_CLIENT_CONSENTCTL_COMMAND_CONTEXT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/consent_client.h"
#include "client/consentctl/printer.h"

namespace consentd::consentctl {

inline constexpr int kExitError = 1;
inline constexpr int kExitDenied = 3;

struct CommandContext {
  std::string server = "127.0.0.1:50051";
  // Files: PEM CA, client certificate and key; a bearer token (its first
  // line). Empty = not used.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  std::string token_file;
  bool json = false;
  double timeout_seconds = 10;
  // Made from the flags above just before the chosen command runs.
  std::optional<client::ConsentClient> client;
  std::optional<Printer> printer;
  // kExitError until a command has run.
  int exit_code = kExitError;
};

// A command's work: the exit status it chose (0, or kExitDenied), or the
// error to report (exit status kExitError).
using Command = std::function<absl::StatusOr<int>()>;

// Adds --server (also read from CONSENTD_ADDRESS), --ca, --cert, --key,
// --server-name, --token-file (also from CONSENTD_CA, CONSENTD_CERT,
// CONSENTD_KEY, CONSENTD_TOKEN_FILE), --json and --timeout to `app`.
// `context` must outlive the parsing.
void AddGlobalFlags(CLI::App& app, CommandContext& context);

// Runs `command` when `subcommand` is the one chosen, after parsing, with
// `context.client` and `context.printer` ready, and sets `context.exit_code`
// from what it returns. `context` must outlive the parsing.
void OnRun(CLI::App* subcommand, CommandContext& context, Command command);

// The same for a command that is a function of its group's flags, which
// the subcommand's options fill in.
template <typename Flags>
void OnRun(CLI::App* subcommand, CommandContext& context,
           std::shared_ptr<Flags> flags,
           absl::StatusOr<int> (*run)(const Flags&, CommandContext&)) {
  OnRun(subcommand, context,
        [flags, &context, run] { return run(*flags, context); });
}

// Prints a successful answer (exit status 0); passes an error on.
template <typename Response>
absl::StatusOr<int> PrintAnswer(CommandContext& context,
                                const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  context.printer->Print(*response);
  return 0;
}

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_COMMAND_CONTEXT_H_
