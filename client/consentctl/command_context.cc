#include "client/consentctl/command_context.h"

#include <iostream>
#include <utility>

#include "absl/time/time.h"

namespace consentd::consentctl {

void AddGlobalFlags(CLI::App& app, CommandContext& context) {
  app.add_option("--server", context.server, "consentd address host:port")
      ->envname("CONSENTD_ADDRESS")
      ->capture_default_str();
  app.add_flag("--json", context.json, "Print answers as JSON");
  app.add_option("--timeout", context.timeout_seconds, "Seconds per call")
      ->capture_default_str();
}

void OnRun(CLI::App* subcommand, CommandContext& context, Command command) {
  subcommand->callback([&context, command = std::move(command)] {
    context.client.emplace(context.server,
                           absl::Seconds(context.timeout_seconds));
    context.printer.emplace(context.json, std::cout);
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
