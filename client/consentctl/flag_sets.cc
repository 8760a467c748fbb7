#include "client/consentctl/flag_sets.h"

namespace consentd::consentctl {

void AddIdentifierFlags(CLI::App* command, IdentifierFlags* flags) {
  command->add_option("--phone", flags->phones, "Phone number (repeatable)");
  command->add_option("--email", flags->emails, "E-mail address (repeatable)");
  command->add_option("--id", flags->external_ids,
                      "External id as SYSTEM:ID (repeatable)");
}

void AddEvidenceFlags(CLI::App* command, EvidenceFlags* flags) {
  command
      ->add_option("--method", flags->method,
                   "How it was collected: web-form-double-opt-in, web-form, "
                   "recorded-call, verbal, paper, written-request, "
                   "bulk-import, api")
      ->required();
  command->add_option("--notice-version", flags->notice_version,
                      "Version of the notice or consent text shown");
  command->add_option("--evidence-ref", flags->evidence_reference,
                      "Where the proof is: recording id, form submission id");
  command->add_option("--collector", flags->collector,
                      "Who collected it: agent id, form name");
  command->add_option("--source", flags->source, "Reporting system")
      ->capture_default_str();
  command->add_option("--occurred-at", flags->occurred_at,
                      "When it happened (RFC 3339; default now)");
}

void AddScopeFlags(CLI::App* command, ScopeFlags* flags) {
  command->add_option("--purpose", flags->purpose, "Purpose")->required();
  command->add_option("--channel", flags->channel, "Channel")->required();
  command->add_option("--region", flags->region,
                      "Region for national-format numbers, e.g. SI");
  command->add_option("--at", flags->at,
                      "Time of contact (RFC 3339; default now)");
}

}  // namespace consentd::consentctl
