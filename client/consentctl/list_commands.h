// consentctl's external suppression lists (do-not-call registers): `list
// import` (a new version from a file or standard input, all or nothing),
// `list show` and `list drop`.
#ifndef CONSENTD_CLIENT_CONSENTCTL_LIST_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_LIST_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `list` and its subcommands to `app`. `context` must outlive the
// parsing.
void AddListCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_LIST_COMMANDS_H_
