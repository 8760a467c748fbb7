// consentctl's checks before contact: `check` (one person; exit status 0 for
// ALLOW, kExitDenied for DENY) and `check-batch` (one contact a line of a
// file or standard input; kExitDenied when any row is denied).
#ifndef CONSENTD_CLIENT_CONSENTCTL_CHECK_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_CHECK_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `check` and `check-batch` to `app`. `context` must outlive the
// parsing.
void AddCheckCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_CHECK_COMMANDS_H_
