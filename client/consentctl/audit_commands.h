// consentctl's audit trail: `audit list` (entries from a sequence number),
// `audit checkpoint` (a signed checkpoint, to keep away from the server),
// and `audit verify` (the server recomputes the chain and checks every
// signed checkpoint; with --checkpoint, a checkpoint kept earlier is also
// checked against the chain as it is now, which a rewrite of the history
// before it cannot pass).
#ifndef CONSENTD_CLIENT_CONSENTCTL_AUDIT_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_AUDIT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `audit` and its subcommands to `app`. `context` must outlive the
// parsing.
void AddAuditCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_AUDIT_COMMANDS_H_
