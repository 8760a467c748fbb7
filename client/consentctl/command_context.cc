#include "client/consentctl/command_context.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"

namespace consentd::consentctl {
namespace {

// Whether `address` ("host:port") names this machine.
bool IsLoopback(absl::string_view address) {
  absl::string_view host = address.substr(0, address.rfind(':'));
  return host == "localhost" || host == "[::1]" ||
         absl::StartsWith(host, "127.");
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<client::ConnectionOptions> ConnectionOf(
    const CommandContext& context) {
  client::ConnectionOptions options;
  options.address = context.server;
  options.server_name = context.server_name;
  options.timeout = absl::Seconds(context.timeout_seconds);
  if (context.cert_file.empty() != context.key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together");
  }
  if (!context.cert_file.empty() && context.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--cert needs --ca: mutual TLS is TLS first");
  }
  if (!context.ca_file.empty()) {
    ASSIGN_OR_RETURN(options.ca, ReadWholeFile(context.ca_file));
  }
  if (!context.cert_file.empty()) {
    ASSIGN_OR_RETURN(options.certificate_chain,
                     ReadWholeFile(context.cert_file));
    ASSIGN_OR_RETURN(options.private_key, ReadWholeFile(context.key_file));
  }
  if (!context.token_file.empty() && context.ca_file.empty() &&
      !IsLoopback(context.server)) {
    return absl::InvalidArgumentError(
        "a bearer token goes only over TLS (--ca) or to a loopback address");
  }
  if (!context.token_file.empty()) {
    ASSIGN_OR_RETURN(std::string token, ReadWholeFile(context.token_file));
    options.bearer_token = std::string(absl::StripAsciiWhitespace(
        absl::string_view(token).substr(0, token.find('\n'))));
    if (options.bearer_token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file ", context.token_file, " is empty"));
    }
  }
  return options;
}

}  // namespace

void AddGlobalFlags(CLI::App& app, CommandContext& context) {
  app.add_option("--server", context.server, "consentd address host:port")
      ->envname("CONSENTD_ADDRESS")
      ->capture_default_str();
  app.add_option("--ca", context.ca_file,
                 "CA certificates (PEM) the server's certificate must chain "
                 "to: connect with TLS")
      ->envname("CONSENTD_CA");
  app.add_option("--cert", context.cert_file,
                 "Client certificate chain (PEM), for mutual TLS")
      ->envname("CONSENTD_CERT");
  app.add_option("--key", context.key_file,
                 "The client certificate's private key (PEM)")
      ->envname("CONSENTD_KEY");
  app.add_option("--server-name", context.server_name,
                 "Name the server's certificate must carry, when not the "
                 "host of --server");
  app.add_option("--token-file", context.token_file,
                 "File whose first line is a bearer token")
      ->envname("CONSENTD_TOKEN_FILE");
  app.add_flag("--json", context.json, "Print answers as JSON");
  app.add_option("--timeout", context.timeout_seconds, "Seconds per call")
      ->capture_default_str();
}

void OnRun(CLI::App* subcommand, CommandContext& context, Command command) {
  subcommand->callback([&context, command = std::move(command)] {
    context.printer.emplace(context.json, std::cout);
    absl::StatusOr<client::ConnectionOptions> connection =
        ConnectionOf(context);
    if (!connection.ok()) {
      std::cerr << "consentctl: " << connection.status() << "\n";
      context.exit_code = kExitError;
      return;
    }
    context.client.emplace(*connection);
    absl::StatusOr<int> exit_code = command();
    if (exit_code.ok()) {
      context.exit_code = *exit_code;
      return;
    }
    std::cerr << "consentctl: " << exit_code.status() << "\n";
    context.exit_code = kExitError;
  });
}

}  // namespace consentd::consentctl
