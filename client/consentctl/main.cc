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
//                           --officer dpo-1
//   consentctl request export dsr-... --officer dpo-1 --output ana.json
//
// Every command answers for people by default and as JSON with --json.
// Exit status: 0 success (for check: ALLOW), 3 check answered DENY (for
// check-batch: some row denied), 1 any error, CLI11's codes for bad usage.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "client/consent_client.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/printer.h"
#include "client/consentctl/private_file.h"
#include "client/consentctl/proto_json_file.h"
#include "client/consentctl/scrub_command.h"
#include "crypto/receipt_signature.h"

namespace consentd::consentctl {
namespace {

constexpr int kExitError = 1;
constexpr int kExitDenied = 3;

struct GlobalFlags {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  double timeout_seconds = 10;
};

struct EvidenceFlags {
  std::string method;
  std::string notice_version;
  std::string evidence_reference;
  std::string collector;
  std::string source = "consentctl";
  std::string occurred_at;
};

struct ScopeFlags {
  std::string purpose;
  std::string channel;
  std::string region;
  std::string at;
};

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

template <typename Request>
absl::Status FillIdentifiers(const IdentifierFlags& flags, Request* request) {
  absl::StatusOr<std::vector<consent::v1::Identifier>> identifiers =
      IdentifiersFromFlags(flags);
  if (!identifiers.ok()) return identifiers.status();
  for (consent::v1::Identifier& identifier : *identifiers) {
    *request->add_identifiers() = std::move(identifier);
  }
  return absl::OkStatus();
}

// Fills what every write shares: identifiers, evidence, occurrence time.
template <typename Request>
absl::Status FillWrite(const IdentifierFlags& identifiers,
                       const EvidenceFlags& flags, Request* request) {
  RETURN_IF_ERROR(FillIdentifiers(identifiers, request));
  ASSIGN_OR_RETURN(consent::v1::CollectionMethod method,
                   ParseCollectionMethod(flags.method));
  consent::v1::Evidence* evidence = request->mutable_evidence();
  evidence->set_collection_method(method);
  evidence->set_notice_version(flags.notice_version);
  evidence->set_evidence_reference(flags.evidence_reference);
  evidence->set_collector(flags.collector);
  evidence->set_source(flags.source);
  if (!flags.occurred_at.empty()) {
    ASSIGN_OR_RETURN(*request->mutable_occurred_at(),
                     ParseTimestamp(flags.occurred_at));
  }
  return absl::OkStatus();
}

// Sets purpose, channel, region and time on a check request.
template <typename Request>
absl::Status FillScope(const ScopeFlags& flags, Request* request) {
  request->set_purpose(flags.purpose);
  request->set_channel(flags.channel);
  request->set_default_region(flags.region);
  if (!flags.at.empty()) {
    absl::StatusOr<google::protobuf::Timestamp> at = ParseTimestamp(flags.at);
    if (!at.ok()) return at.status();
    *request->mutable_at() = *at;
  }
  return absl::OkStatus();
}

// One contact per line: comma-separated typed identifiers
// (phone:..., email:..., id:SYSTEM:ID). Blank lines and '#' comments skip.
absl::StatusOr<consent::v1::CheckBatchRequest> ReadBatch(std::istream& in) {
  consent::v1::CheckBatchRequest request;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    consent::v1::BatchContact* contact = request.add_contacts();
    contact->set_row_id(absl::StrCat(number));
    for (absl::string_view field : absl::StrSplit(text, ',')) {
      absl::StatusOr<consent::v1::Identifier> identifier =
          ParseTypedIdentifier(field);
      if (!identifier.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", number, ": ", identifier.status().message()));
      }
      *contact->add_identifiers() = *std::move(identifier);
    }
  }
  return request;
}

int Report(const absl::Status& status) {
  std::cerr << "consentctl: " << status << "\n";
  return kExitError;
}

// Prints a successful answer (exit 0) or reports the error.
template <typename Response>
int PrintOrReport(const absl::StatusOr<Response>& response, Printer& printer) {
  if (!response.ok()) return Report(response.status());
  printer.Print(*response);
  return 0;
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{
      "consentctl: record consent and refusals, and check before "
      "contact, against a consentd server."};
  app.require_subcommand(1);
  GlobalFlags global;
  app.add_option("--server", global.server, "consentd address host:port")
      ->envname("CONSENTD_ADDRESS")
      ->capture_default_str();
  app.add_flag("--json", global.json, "Print answers as JSON");
  app.add_option("--timeout", global.timeout_seconds, "Seconds per call")
      ->capture_default_str();

  IdentifierFlags identifiers;
  ScopeFlags scope;
  EvidenceFlags evidence;

  CLI::App* check = app.add_subcommand(
      "check", "May this person be contacted for a purpose over a channel?");
  AddIdentifierFlags(check, &identifiers);
  check->add_option("--purpose", scope.purpose, "Purpose")->required();
  check->add_option("--channel", scope.channel, "Channel")->required();
  check->add_option("--region", scope.region,
                    "Region for national-format numbers, e.g. SI");
  check->add_option("--at", scope.at,
                    "Time of contact (RFC 3339; default now)");

  std::string batch_file;
  CLI::App* check_batch = app.add_subcommand(
      "check-batch",
      "Check many contacts: one per line of FILE ('-' = standard input), "
      "comma-separated phone:..., email:..., id:SYSTEM:ID");
  check_batch->add_option("file", batch_file, "Input file")->required();
  check_batch->add_option("--purpose", scope.purpose, "Purpose")->required();
  check_batch->add_option("--channel", scope.channel, "Channel")->required();
  check_batch->add_option("--region", scope.region,
                          "Region for national-format numbers");
  check_batch->add_option("--at", scope.at, "Time of contact (RFC 3339)");

  std::string consent_purpose, consent_channel, consent_region, lawful_basis;
  CLI::App* consent_cmd =
      app.add_subcommand("consent", "Record consent given or withdrawn");
  consent_cmd->require_subcommand(1);
  std::vector<CLI::App*> consent_actions = {
      consent_cmd->add_subcommand("grant", "Record consent given"),
      consent_cmd->add_subcommand("withdraw", "Record consent withdrawn")};
  for (CLI::App* action : consent_actions) {
    AddIdentifierFlags(action, &identifiers);
    AddEvidenceFlags(action, &evidence);
    action->add_option("--purpose", consent_purpose, "Purpose")->required();
    action->add_option("--channel", consent_channel,
                       "Channel (default: every channel)");
    action->add_option("--region", consent_region,
                       "Region for national-format numbers");
    action->add_option("--lawful-basis", lawful_basis,
                       "Lawful basis (default: consent)");
  }

  std::string object_purpose, object_channel, object_region;
  CLI::App* object = app.add_subcommand(
      "object",
      "Record an objection / do-not-contact (global unless --purpose or "
      "--channel narrow it)");
  AddIdentifierFlags(object, &identifiers);
  AddEvidenceFlags(object, &evidence);
  object->add_option("--purpose", object_purpose,
                     "Purpose objected to (default: every purpose)");
  object->add_option("--channel", object_channel,
                     "Channel objected to (default: every channel)");
  object->add_option("--region", object_region,
                     "Region for national-format numbers");

  std::string show_region;
  CLI::App* show =
      app.add_subcommand("show", "Everything recorded for one identifier");
  AddIdentifierFlags(show, &identifiers);
  show->add_option("--region", show_region,
                   "Region for national-format numbers");

  consent::v1::ImportListHeader list_header;
  std::vector<std::string> list_purposes, list_channels;
  std::string list_file, drop_name;
  CLI::App* list = app.add_subcommand(
      "list", "External suppression lists (do-not-call registers, ...)");
  list->require_subcommand(1);
  CLI::App* list_import = list->add_subcommand(
      "import",
      "Import a new version of a list from FILE ('-' = standard input): one "
      "entry per line, a phone number or phone:..., email:..., id:SYSTEM:ID");
  list_import->add_option("file", list_file, "Input file")->required();
  list_import->add_option("--name", *list_header.mutable_name(), "List name")
      ->required();
  list_import
      ->add_option("--version", *list_header.mutable_version(),
                   "The publisher's version label")
      ->required();
  list_import->add_option("--purpose", list_purposes,
                          "Purpose it applies to (repeatable; default every)");
  list_import->add_option("--channel", list_channels,
                          "Channel it applies to (repeatable; default every)");
  list_import->add_option("--region", *list_header.mutable_default_region(),
                          "Region for national-format numbers");
  CLI::App* list_show = list->add_subcommand("show", "Every list held");
  CLI::App* list_drop = list->add_subcommand("drop", "Remove a list");
  list_drop->add_option("--name", drop_name, "List name")->required();

  ScrubFlags scrub_flags;
  CLI::App* scrub = app.add_subcommand(
      "scrub",
      "Scrub a campaign list (CSV with a header row) before a campaign: "
      "writes the allowed and the rejected rows and saves the signed receipt");
  scrub->add_option("file", scrub_flags.input, "Input CSV")->required();
  scrub->add_option("--purpose", scrub_flags.purpose, "Purpose")->required();
  scrub->add_option("--channel", scrub_flags.channel, "Channel")->required();
  scrub->add_option("--region", scrub_flags.region,
                    "Region for national-format numbers, e.g. SI");
  scrub->add_option("--at", scrub_flags.at,
                    "Time of the campaign (RFC 3339; default now)");
  scrub->add_option("--phone-column", scrub_flags.phone_columns,
                    "Column holding a phone number (repeatable)");
  scrub->add_option("--email-column", scrub_flags.email_columns,
                    "Column holding an e-mail address (repeatable)");
  scrub->add_option("--id-column", scrub_flags.id_columns,
                    "Column holding an external id (repeatable)");
  scrub->add_option("--id-system", scrub_flags.id_system,
                    "The system that issued the --id-column ids");
  scrub->add_option("--list-name", scrub_flags.list_name,
                    "Name of the list in the receipt (default: the file)");
  scrub->add_option("--allowed", scrub_flags.allowed_path,
                    "Allowed rows (default FILE.allowed.csv)");
  scrub->add_option("--rejected", scrub_flags.rejected_path,
                    "Rejected rows (default FILE.rejected.csv)");
  scrub->add_option("--receipt", scrub_flags.receipt_path,
                    "Receipt (default FILE.receipt.json)");

  std::string receipt_id, receipt_file, key_file;
  CLI::App* receipt = app.add_subcommand("receipt", "Scrub receipts");
  receipt->require_subcommand(1);
  CLI::App* receipt_key = receipt->add_subcommand(
      "key",
      "Print the public key receipts are signed with (JSON); keep it "
      "to verify receipts offline");
  CLI::App* receipt_show =
      receipt->add_subcommand("show", "Fetch a kept receipt by id");
  receipt_show->add_option("id", receipt_id, "Receipt id")->required();
  CLI::App* receipt_verify = receipt->add_subcommand(
      "verify", "Check a receipt file's signature offline");
  receipt_verify->add_option("file", receipt_file, "Receipt (JSON)")
      ->required();
  receipt_verify
      ->add_option("--key", key_file, "Public key from `receipt key` (JSON)")
      ->required();

  // Data-subject requests.
  std::string request_type, request_region, request_via, request_contact,
      request_officer, request_received_at, request_replacement;
  std::string request_id, request_method, request_reason, request_page_token,
      request_output;
  int request_months = 1;
  int request_page_size = 0;
  bool request_overdue = false;
  std::vector<std::string> request_states;
  CLI::App* request_cmd =
      app.add_subcommand("request", "Data-subject requests (GDPR Art. 15-21)");
  request_cmd->require_subcommand(1);
  CLI::App* request_open = request_cmd->add_subcommand(
      "open", "Record a request received from a person");
  request_open
      ->add_option("--type", request_type,
                   "access, portability, erasure, rectification, "
                   "restriction or objection")
      ->required();
  AddIdentifierFlags(request_open, &identifiers);
  request_open->add_option("--region", request_region,
                           "Region for national-format numbers");
  request_open->add_option("--via", request_via,
                           "How it arrived: e-mail, letter, phone");
  request_open->add_option("--contact", request_contact,
                           "How to reach the requester");
  request_open->add_option("--received-at", request_received_at,
                           "When it arrived (RFC 3339; default now)");
  request_open->add_option(
      "--replace-with", request_replacement,
      "For rectification: the new identifier (phone:..., email:..., id:...)");
  CLI::App* request_verify =
      request_cmd->add_subcommand("verify", "Record the identity check");
  request_verify
      ->add_option("--method", request_method, "How identity was verified")
      ->required();
  CLI::App* request_extend = request_cmd->add_subcommand(
      "extend", "Move the due date by one or two months (two in all)");
  request_extend->add_option("--months", request_months, "1 or 2")
      ->capture_default_str();
  request_extend->add_option("--reason", request_reason, "Why")->required();
  CLI::App* request_reject =
      request_cmd->add_subcommand("reject", "Reject a request");
  request_reject->add_option("--reason", request_reason, "Why")->required();
  CLI::App* request_complete = request_cmd->add_subcommand(
      "complete",
      "Carry out a verified request and close it (erasure: forget the "
      "subject, keeping only the digests that keep them suppressed)");
  CLI::App* request_export = request_cmd->add_subcommand(
      "export",
      "For access or portability: everything held about the subject, as "
      "JSON (written 0600: it is personal data)");
  request_export->add_option("--output", request_output,
                             "File to write (default: standard output)");
  CLI::App* request_lift = request_cmd->add_subcommand(
      "lift", "Lift the restriction a completed restriction request imposed");
  request_lift->add_option("--reason", request_reason, "Why")->required();
  for (CLI::App* change : {request_verify, request_extend, request_reject,
                           request_complete, request_export, request_lift}) {
    change->add_option("id", request_id, "Request id")->required();
  }
  for (CLI::App* change :
       {request_open, request_verify, request_extend, request_reject,
        request_complete, request_export, request_lift}) {
    change->add_option("--officer", request_officer, "Who acts")->required();
  }
  CLI::App* request_show =
      request_cmd->add_subcommand("show", "One request with its history");
  request_show->add_option("id", request_id, "Request id")->required();
  CLI::App* request_list = request_cmd->add_subcommand(
      "list", "Requests by due date, overdue first");
  request_list->add_option("--state", request_states,
                           "received, identity-verified, completed, rejected "
                           "(repeatable)");
  request_list->add_flag("--overdue", request_overdue,
                         "Only open requests past their due date");
  request_list->add_option("--page-size", request_page_size,
                           "At most this many (default 100)");
  request_list->add_option("--page-token", request_page_token,
                           "Continue a previous listing");

  CLI::App* status = app.add_subcommand("status", "Server status");
  CLI::App* policy = app.add_subcommand("policy", "The policy in force");
  policy->require_subcommand(1);
  CLI::App* policy_show = policy->add_subcommand("show", "Print the policy");

  CLI11_PARSE(app, argc, argv);

  client::ConsentClient client(global.server,
                               absl::Seconds(global.timeout_seconds));
  Printer printer(global.json, std::cout);

  if (check->parsed()) {
    consent::v1::CheckRequest request;
    if (absl::Status s = FillIdentifiers(identifiers, &request); !s.ok()) {
      return Report(s);
    }
    if (absl::Status s = FillScope(scope, &request); !s.ok()) return Report(s);
    absl::StatusOr<consent::v1::CheckResponse> response = client.Check(request);
    if (!response.ok()) return Report(response.status());
    printer.Print(*response);
    return response->decision().verdict() == consent::v1::VERDICT_ALLOW
               ? 0
               : kExitDenied;
  }
  if (check_batch->parsed()) {
    std::ifstream file;
    if (batch_file != "-") {
      file.open(batch_file);
      if (!file) {
        return Report(
            absl::NotFoundError(absl::StrCat("cannot read ", batch_file)));
      }
    }
    absl::StatusOr<consent::v1::CheckBatchRequest> request =
        ReadBatch(batch_file == "-" ? std::cin : file);
    if (!request.ok()) return Report(request.status());
    if (absl::Status s = FillScope(scope, &*request); !s.ok()) {
      return Report(s);
    }
    absl::StatusOr<consent::v1::CheckBatchResponse> response =
        client.CheckBatch(*request);
    if (!response.ok()) return Report(response.status());
    printer.Print(*response);
    for (const consent::v1::BatchDecision& d : response->decisions()) {
      if (d.decision().verdict() != consent::v1::VERDICT_ALLOW) {
        return kExitDenied;
      }
    }
    return 0;
  }
  if (consent_cmd->parsed()) {
    consent::v1::RecordConsentRequest request;
    request.set_action(consent_actions[0]->parsed()
                           ? consent::v1::CONSENT_ACTION_GRANT
                           : consent::v1::CONSENT_ACTION_WITHDRAW);
    request.set_purpose(consent_purpose);
    request.set_channel(consent_channel);
    request.set_default_region(consent_region);
    if (!lawful_basis.empty()) {
      absl::StatusOr<consent::v1::LawfulBasis> basis =
          ParseLawfulBasis(lawful_basis);
      if (!basis.ok()) return Report(basis.status());
      request.set_lawful_basis(*basis);
    }
    if (absl::Status s = FillWrite(identifiers, evidence, &request); !s.ok()) {
      return Report(s);
    }
    return PrintOrReport(client.RecordConsent(request), printer);
  }
  if (object->parsed()) {
    consent::v1::RecordObjectionRequest request;
    request.set_purpose(object_purpose);
    request.set_channel(object_channel);
    request.set_default_region(object_region);
    if (absl::Status s = FillWrite(identifiers, evidence, &request); !s.ok()) {
      return Report(s);
    }
    return PrintOrReport(client.RecordObjection(request), printer);
  }
  if (show->parsed()) {
    absl::StatusOr<std::vector<consent::v1::Identifier>> named =
        IdentifiersFromFlags(identifiers);
    if (!named.ok()) return Report(named.status());
    if (named->size() != 1) {
      return Report(absl::InvalidArgumentError("show takes one identifier"));
    }
    consent::v1::GetRecordRequest request;
    *request.mutable_identifier() = named->front();
    request.set_default_region(show_region);
    return PrintOrReport(client.GetRecord(request), printer);
  }
  if (list_import->parsed()) {
    for (const std::string& purpose : list_purposes) {
      list_header.add_purposes(purpose);
    }
    for (const std::string& channel : list_channels) {
      list_header.add_channels(channel);
    }
    std::ifstream file;
    if (list_file != "-") {
      file.open(list_file);
      if (!file) {
        return Report(
            absl::NotFoundError(absl::StrCat("cannot read ", list_file)));
      }
    }
    std::istream& in = list_file == "-" ? std::cin : file;
    std::string line;
    int number = 0;
    auto next =
        [&](consent::v1::Identifier* identifier) -> absl::StatusOr<bool> {
      while (std::getline(in, line)) {
        ++number;
        absl::string_view text = absl::StripAsciiWhitespace(line);
        if (text.empty() || text[0] == '#') continue;
        absl::StatusOr<consent::v1::Identifier> entry = ParseListEntry(text);
        if (!entry.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", number, ": ", entry.status().message(),
                           "; nothing imported"));
        }
        *identifier = *std::move(entry);
        return true;
      }
      return false;
    };
    return PrintOrReport(client.ImportList(list_header, next), printer);
  }
  if (list_show->parsed()) {
    return PrintOrReport(client.ListLists(), printer);
  }
  if (list_drop->parsed()) {
    if (absl::Status s = client.DropList(drop_name); !s.ok()) return Report(s);
    std::cout << "dropped list " << drop_name << "\n";
    return 0;
  }
  if (scrub->parsed()) {
    scrub_flags.progress = true;
    absl::StatusOr<ScrubOutcome> outcome =
        ScrubCsv(scrub_flags, client, std::cerr);
    if (!outcome.ok()) return Report(outcome.status());
    printer.Print(outcome->receipt);
    if (!global.json) {
      std::cout << "allowed rows   " << outcome->allowed_path << "\n"
                << "rejected rows  " << outcome->rejected_path << "\n"
                << "receipt        " << outcome->receipt_path << "\n";
      if (outcome->malformed_rows > 0) {
        std::cout << "malformed rows " << outcome->malformed_rows
                  << " (in the rejected rows as MALFORMED_ROW)\n";
      }
    }
    return 0;
  }
  if (receipt_key->parsed()) {
    return PrintOrReport(client.GetReceiptKey(), printer);
  }
  if (receipt_show->parsed()) {
    return PrintOrReport(client.GetReceipt(receipt_id), printer);
  }
  if (receipt_verify->parsed()) {
    consent::v1::ScrubReceipt kept;
    consent::v1::ReceiptKey key;
    absl::Status verified = ReadProtoJson(receipt_file, &kept);
    if (verified.ok()) verified = ReadProtoJson(key_file, &key);
    if (verified.ok()) verified = crypto::VerifyReceipt(kept, key);
    if (!verified.ok()) return Report(verified);
    std::cout << "receipt " << kept.receipt_id() << " is intact: signed by key "
              << kept.key_id() << "\n";
    return 0;
  }
  if (request_open->parsed()) {
    consent::v1::OpenRequestRequest request;
    consent::v1::RequestType type;
    if (!consent::v1::RequestType_Parse(
            absl::StrCat("REQUEST_TYPE_", absl::AsciiStrToUpper(request_type)),
            &type) ||
        type == consent::v1::REQUEST_TYPE_UNSPECIFIED) {
      return Report(absl::InvalidArgumentError(
          "--type is access, portability, erasure, rectification, "
          "restriction or objection"));
    }
    request.set_type(type);
    if (absl::Status s = FillIdentifiers(identifiers, &request); !s.ok()) {
      return Report(s);
    }
    request.set_default_region(request_region);
    request.set_received_via(request_via);
    request.set_requester_contact(request_contact);
    request.set_officer(request_officer);
    if (!request_received_at.empty()) {
      absl::StatusOr<google::protobuf::Timestamp> at =
          ParseTimestamp(request_received_at);
      if (!at.ok()) return Report(at.status());
      *request.mutable_received_at() = *at;
    }
    if (!request_replacement.empty()) {
      absl::StatusOr<consent::v1::Identifier> replacement =
          ParseTypedIdentifier(request_replacement);
      if (!replacement.ok()) return Report(replacement.status());
      *request.mutable_replacement() = *replacement;
    }
    return PrintOrReport(client.OpenRequest(request), printer);
  }
  if (request_verify->parsed()) {
    consent::v1::VerifyIdentityRequest request;
    request.set_request_id(request_id);
    request.set_method(request_method);
    request.set_officer(request_officer);
    return PrintOrReport(client.VerifyIdentity(request), printer);
  }
  if (request_extend->parsed()) {
    consent::v1::ExtendRequestRequest request;
    request.set_request_id(request_id);
    request.set_months(request_months);
    request.set_reason(request_reason);
    request.set_officer(request_officer);
    return PrintOrReport(client.ExtendRequest(request), printer);
  }
  if (request_reject->parsed()) {
    consent::v1::RejectRequestRequest request;
    request.set_request_id(request_id);
    request.set_reason(request_reason);
    request.set_officer(request_officer);
    return PrintOrReport(client.RejectRequest(request), printer);
  }
  if (request_complete->parsed()) {
    consent::v1::CompleteRequestRequest request;
    request.set_request_id(request_id);
    request.set_officer(request_officer);
    return PrintOrReport(client.CompleteRequest(request), printer);
  }
  if (request_export->parsed()) {
    consent::v1::ExportSubjectRequest request;
    request.set_request_id(request_id);
    request.set_officer(request_officer);
    absl::StatusOr<consent::v1::ExportSubjectResponse> exported =
        client.ExportSubject(request);
    if (!exported.ok()) return Report(exported.status());
    if (request_output.empty()) {
      std::cout << exported->document();
      return 0;
    }
    if (absl::Status s = WritePrivateFile(request_output, exported->document());
        !s.ok()) {
      return Report(s);
    }
    std::cout << "exported request " << request_id << " to " << request_output
              << " (sha256 " << exported->document_sha256() << ")\n";
    return 0;
  }
  if (request_lift->parsed()) {
    consent::v1::LiftRestrictionRequest request;
    request.set_request_id(request_id);
    request.set_reason(request_reason);
    request.set_officer(request_officer);
    return PrintOrReport(client.LiftRestriction(request), printer);
  }
  if (request_show->parsed()) {
    return PrintOrReport(client.GetRequest(request_id), printer);
  }
  if (request_list->parsed()) {
    consent::v1::ListRequestsRequest request;
    for (const std::string& name : request_states) {
      consent::v1::RequestState state;
      if (!consent::v1::RequestState_Parse(
              absl::StrCat("REQUEST_STATE_",
                           absl::AsciiStrToUpper(
                               absl::StrReplaceAll(name, {{"-", "_"}}))),
              &state)) {
        return Report(absl::InvalidArgumentError(absl::StrCat(
            "--state is received, identity-verified, completed or rejected")));
      }
      request.add_states(state);
    }
    request.set_overdue_only(request_overdue);
    request.set_page_size(request_page_size);
    request.set_page_token(request_page_token);
    return PrintOrReport(client.ListRequests(request), printer);
  }
  if (status->parsed()) {
    return PrintOrReport(client.GetStatus(), printer);
  }
  if (policy_show->parsed()) {
    return PrintOrReport(client.GetPolicy(), printer);
  }
  return kExitError;
}

}  // namespace consentd::consentctl

int main(int argc, char** argv) {
  return consentd::consentctl::Run(argc, argv);
}
