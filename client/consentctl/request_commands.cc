#include "client/consentctl/request_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/status_macros.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/flag_sets.h"
#include "client/consentctl/private_file.h"

namespace consentd::consentctl {
namespace {

// The flags of every command here; only the chosen command's are set.
struct RequestFlags {
  std::string id;
  // open
  std::string type;
  IdentifierFlags identifiers;
  std::string region;
  std::string via;
  std::string contact;
  std::string received_at;
  std::string replacement;
  // verify
  std::string method;
  // extend, reject, lift
  int months = 1;
  std::string reason;
  // export
  std::string output;
  // list
  std::vector<std::string> states;
  bool overdue = false;
  int page_size = 0;
  std::string page_token;
};

absl::StatusOr<int> Open(const RequestFlags& flags, CommandContext& context) {
  consent::v1::OpenRequestRequest request;
  ASSIGN_OR_RETURN(consent::v1::RequestType type,
                   ParseEnumFlag<consent::v1::RequestType>(flags.type));
  request.set_type(type);
  RETURN_IF_ERROR(FillIdentifiers(flags.identifiers, &request));
  request.set_default_region(flags.region);
  request.set_received_via(flags.via);
  request.set_requester_contact(flags.contact);
  if (!flags.received_at.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_received_at(),
                     ParseTimestamp(flags.received_at));
  }
  if (!flags.replacement.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_replacement(),
                     ParseTypedIdentifier(flags.replacement));
  }
  return PrintAnswer(context, context.client->OpenRequest(request));
}

// A change to the request named on the command line; consentd records the
// caller's authenticated principal as the officer who acts.
template <typename Change>
Change ChangeOf(const RequestFlags& flags) {
  Change change;
  change.set_request_id(flags.id);
  return change;
}

absl::StatusOr<int> Verify(const RequestFlags& flags, CommandContext& context) {
  auto request = ChangeOf<consent::v1::VerifyIdentityRequest>(flags);
  request.set_method(flags.method);
  return PrintAnswer(context, context.client->VerifyIdentity(request));
}

absl::StatusOr<int> Extend(const RequestFlags& flags, CommandContext& context) {
  auto request = ChangeOf<consent::v1::ExtendRequestRequest>(flags);
  request.set_months(flags.months);
  request.set_reason(flags.reason);
  return PrintAnswer(context, context.client->ExtendRequest(request));
}

absl::StatusOr<int> Reject(const RequestFlags& flags, CommandContext& context) {
  auto request = ChangeOf<consent::v1::RejectRequestRequest>(flags);
  request.set_reason(flags.reason);
  return PrintAnswer(context, context.client->RejectRequest(request));
}

absl::StatusOr<int> Complete(const RequestFlags& flags,
                             CommandContext& context) {
  return PrintAnswer(context,
                     context.client->CompleteRequest(
                         ChangeOf<consent::v1::CompleteRequestRequest>(flags)));
}

absl::StatusOr<int> Export(const RequestFlags& flags, CommandContext& context) {
  ASSIGN_OR_RETURN(consent::v1::ExportSubjectResponse exported,
                   context.client->ExportSubject(
                       ChangeOf<consent::v1::ExportSubjectRequest>(flags)));
  if (flags.output.empty()) {
    std::cout << exported.document();
    return 0;
  }
  RETURN_IF_ERROR(WritePrivateFile(flags.output, exported.document()));
  std::cout << "exported request " << flags.id << " to " << flags.output
            << " (sha256 " << exported.document_sha256() << ")\n";
  return 0;
}

absl::StatusOr<int> Lift(const RequestFlags& flags, CommandContext& context) {
  auto request = ChangeOf<consent::v1::LiftRestrictionRequest>(flags);
  request.set_reason(flags.reason);
  return PrintAnswer(context, context.client->LiftRestriction(request));
}

absl::StatusOr<int> List(const RequestFlags& flags, CommandContext& context) {
  consent::v1::ListRequestsRequest request;
  for (const std::string& name : flags.states) {
    ASSIGN_OR_RETURN(consent::v1::RequestState state,
                     ParseEnumFlag<consent::v1::RequestState>(name));
    request.add_states(state);
  }
  request.set_overdue_only(flags.overdue);
  request.set_page_size(flags.page_size);
  request.set_page_token(flags.page_token);
  return PrintAnswer(context, context.client->ListRequests(request));
}

}  // namespace

void AddRequestCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<RequestFlags>();
  // Every change names the request.
  auto add_change_flags = [&flags](CLI::App* command) {
    command->add_option("id", flags->id, "Request id")->required();
  };

  CLI::App* request =
      app.add_subcommand("request", "Data-subject requests (GDPR Art. 15-21)");
  request->require_subcommand(1);

  CLI::App* open = request->add_subcommand(
      "open", "Record a request received from a person");
  open->add_option("--type", flags->type,
                   "access, portability, erasure, rectification, "
                   "restriction or objection")
      ->required();
  AddIdentifierFlags(open, &flags->identifiers);
  open->add_option("--region", flags->region,
                   "Region for national-format numbers");
  open->add_option("--via", flags->via,
                   "How it arrived: e-mail, letter, phone");
  open->add_option("--contact", flags->contact, "How to reach the requester");
  open->add_option("--received-at", flags->received_at,
                   "When it arrived (RFC 3339; default now)");
  open->add_option(
      "--replace-with", flags->replacement,
      "For rectification: the new identifier (phone:..., email:..., id:...)");
  OnRun(open, context, flags, Open);

  CLI::App* verify =
      request->add_subcommand("verify", "Record the identity check");
  verify->add_option("--method", flags->method, "How identity was verified")
      ->required();
  add_change_flags(verify);
  OnRun(verify, context, flags, Verify);

  CLI::App* extend = request->add_subcommand(
      "extend", "Move the due date by one or two months (two in all)");
  extend->add_option("--months", flags->months, "1 or 2")
      ->capture_default_str();
  extend->add_option("--reason", flags->reason, "Why")->required();
  add_change_flags(extend);
  OnRun(extend, context, flags, Extend);

  CLI::App* reject = request->add_subcommand("reject", "Reject a request");
  reject->add_option("--reason", flags->reason, "Why")->required();
  add_change_flags(reject);
  OnRun(reject, context, flags, Reject);

  CLI::App* complete = request->add_subcommand(
      "complete",
      "Carry out a verified request and close it (erasure: forget the "
      "subject, keeping only the digests that keep them suppressed)");
  add_change_flags(complete);
  OnRun(complete, context, flags, Complete);

  CLI::App* export_command = request->add_subcommand(
      "export",
      "For access or portability: everything held about the subject, as "
      "JSON (written 0600: it is personal data)");
  export_command->add_option("--output", flags->output,
                             "File to write (default: standard output)");
  add_change_flags(export_command);
  OnRun(export_command, context, flags, Export);

  CLI::App* lift = request->add_subcommand(
      "lift", "Lift the restriction a completed restriction request imposed");
  lift->add_option("--reason", flags->reason, "Why")->required();
  add_change_flags(lift);
  OnRun(lift, context, flags, Lift);

  CLI::App* show =
      request->add_subcommand("show", "One request with its history");
  show->add_option("id", flags->id, "Request id")->required();
  OnRun(show, context, [flags, &context] {
    return PrintAnswer(context, context.client->GetRequest(flags->id));
  });

  CLI::App* list =
      request->add_subcommand("list", "Requests by due date, overdue first");
  list->add_option("--state", flags->states,
                   "received, identity-verified, completed, rejected "
                   "(repeatable)");
  list->add_flag("--overdue", flags->overdue,
                 "Only open requests past their due date");
  list->add_option("--page-size", flags->page_size,
                   "At most this many (default 100)");
  list->add_option("--page-token", flags->page_token,
                   "Continue a previous listing");
  OnRun(list, context, flags, List);
}

}  // namespace consentd::consentctl
