// consentctl's consent records: `consent grant` and `consent withdraw`,
// `object` (an objection / do-not-contact) and `show` (everything recorded
// for one identifier).
#ifndef CONSENTD_CLIENT_CONSENTCTL_CONSENT_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_CONSENT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `consent`, `object` and `show` to `app`. `context` must outlive the
// parsing.
void AddConsentCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_CONSENT_COMMANDS_H_
