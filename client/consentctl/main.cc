// consentctl: the command line for consentd.
//
//   consentctl check --phone "031 123 456" --region SI
//                    --purpose marketing --channel phone
//   consentctl object --phone +38631123456 --method recorded-call
//                     --evidence-ref rec-2291 --collector agent-17
//   consentctl consent grant --email ana@example.si --purpose marketing
//                            --method web-form-double-opt-in
//   consentctl show --phone +38631123456
//   consentctl list import register.txt --name si-national-dnc --version 7
//   consentctl scrub leads.csv --purpose marketing --channel phone
//                    --phone-column mobile --region SI
//   consentctl receipt verify leads.receipt.json --key receipt-key.json
//   consentctl request open --type erasure --email ana@example.si
//   consentctl request export dsr-... --output ana.json
//   consentctl --ca ca.pem --cert dpo.pem --key dpo.key request list
//   consentctl --ca ca.pem --cert auditor.pem --key auditor.key audit verify
//
// Every command answers for people by default and as JSON with --json.
// Exit status: 0 success (for check: ALLOW), 3 check answered DENY (for
// check-batch: some row denied), 1 any error, CLI11's codes for bad usage.
#include "CLI/CLI.hpp"
#include "client/consentctl/admin_commands.h"
#include "client/consentctl/audit_commands.h"
#include "client/consentctl/check_commands.h"
#include "client/consentctl/command_context.h"
#include "client/consentctl/consent_commands.h"
#include "client/consentctl/list_commands.h"
#include "client/consentctl/receipt_commands.h"
#include "client/consentctl/request_commands.h"
#include "client/consentctl/scrub_command.h"

namespace consentd::consentctl {

int Run(int argc, char** argv) {
  CLI::App app{
      "consentctl: record consent and refusals, and check before "
      "contact, against a consentd server."};
  app.require_subcommand(1);
  CommandContext context;
  AddGlobalFlags(app, context);
  // In this order in --help.
  AddCheckCommands(app, context);
  AddConsentCommands(app, context);
  AddListCommands(app, context);
  AddScrubCommand(app, context);
  AddReceiptCommands(app, context);
  AddRequestCommands(app, context);
  AddAdminCommands(app, context);
  AddAuditCommands(app, context);
  // Parsing runs the command named (CommandContext's OnRun).
  CLI11_PARSE(app, argc, argv);
  return context.exit_code;
}

}  // namespace consentd::consentctl

int main(int argc, char** argv) {
  return consentd::consentctl::Run(argc, argv);
}
