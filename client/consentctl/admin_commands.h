// consentctl's look at the server itself: `status` and `policy show` (the
// policy in force).
#ifndef CONSENTD_CLIENT_CONSENTCTL_ADMIN_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_ADMIN_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `status` and `policy` to `app`. `context` must outlive the parsing.
void AddAdminCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_ADMIN_COMMANDS_H_
