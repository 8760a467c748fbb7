// consentctl's data-subject requests (GDPR Art. 15-21): `request open`,
// `verify`, `extend`, `reject`, `complete`, `export` (the subject's data as
// JSON, to standard output or a file written 0600), `lift`, `show` and
// `list`. Every change names the officer who acts.
#ifndef CONSENTD_CLIENT_CONSENTCTL_REQUEST_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_REQUEST_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `request` and its subcommands to `app`. `context` must outlive the
// parsing.
void AddRequestCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_REQUEST_COMMANDS_H_
