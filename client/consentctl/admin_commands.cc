#include "client/consentctl/admin_commands.h"

namespace consentd::consentctl {

void AddAdminCommands(CLI::App& app, CommandContext& context) {
  CLI::App* status = app.add_subcommand("status", "Server status");
  OnRun(status, context, [&context] {
    return PrintAnswer(context, context.client->GetStatus());
  });

  CLI::App* policy = app.add_subcommand("policy", "The policy in force");
  policy->require_subcommand(1);
  CLI::App* show = policy->add_subcommand("show", "Print the policy");
  OnRun(show, context, [&context] {
    return PrintAnswer(context, context.client->GetPolicy());
  });
}

}  // namespace consentd::consentctl
