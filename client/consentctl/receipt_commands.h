// consentctl's scrub receipts: `receipt key` (the public key receipts are
// signed with, always JSON), `receipt show` (a kept receipt by id) and
// `receipt verify` (a receipt file's signature, checked offline).
#ifndef CONSENTD_CLIENT_CONSENTCTL_RECEIPT_COMMANDS_H_
#define CONSENTD_CLIENT_CONSENTCTL_RECEIPT_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

// Adds `receipt` and its subcommands to `app`. `context` must outlive the
// parsing.
void AddReceiptCommands(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_RECEIPT_COMMANDS_H_
