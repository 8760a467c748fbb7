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

  CLI::App* admin = app.add_subcommand("admin", "Administration");
  admin->require_subcommand(1);
  auto version = std::make_shared<int>(0);
  CLI::App* rekey = admin->add_subcommand(
      "rekey",
      "Re-encrypt the store under a database key of the server's keyring, "
      "online (add one with `consentd --keyring FILE --add-key database` "
      "and restart consentd first)");
  rekey
      ->add_option("--version", *version,
                   "The keyring's database key version (default: newest)")
      ->check(CLI::NonNegativeNumber);
  OnRun(rekey, context, [version, &context] {
    return PrintAnswer(context, context.client->Rekey(*version));
  });

  auto file_name = std::make_shared<std::string>();
  CLI::App* backup = admin->add_subcommand(
      "backup",
      "Write an online backup of the store, and its manifest, into the "
      "server's backup directory (restore: consentd --restore FILE)");
  backup
      ->add_option("file", *file_name,
                   "The backup's file name in the server's backup directory")
      ->required();
  OnRun(backup, context, [file_name, &context] {
    return PrintAnswer(context, context.client->Backup(*file_name));
  });
}

}  // namespace consentd::consentctl
