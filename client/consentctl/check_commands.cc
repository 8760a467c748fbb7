#include "client/consentctl/check_commands.h"

#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/flag_sets.h"
#include "client/consentctl/input_file.h"

namespace consentd::consentctl {
namespace {

struct CheckFlags {
  IdentifierFlags identifiers;
  ScopeFlags scope;
  // check-batch's input; "-" is standard input.
  std::string batch_file;
};

// One contact per line: comma-separated typed identifiers
// (phone:..., email:..., id:SYSTEM:ID). The row id is the line number.
absl::StatusOr<consent::v1::CheckBatchRequest> ReadBatch(std::istream& in) {
  consent::v1::CheckBatchRequest request;
  EntryReader entries(in);
  while (std::optional<absl::string_view> entry = entries.Next()) {
    consent::v1::BatchContact* contact = request.add_contacts();
    contact->set_row_id(absl::StrCat(entries.line_number()));
    for (absl::string_view field : absl::StrSplit(*entry, ',')) {
      absl::StatusOr<consent::v1::Identifier> identifier =
          ParseTypedIdentifier(field);
      if (!identifier.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", entries.line_number(), ": ",
                         identifier.status().message()));
      }
      *contact->add_identifiers() = *std::move(identifier);
    }
  }
  return request;
}

absl::StatusOr<int> Check(const CheckFlags& flags, CommandContext& context) {
  consent::v1::CheckRequest request;
  RETURN_IF_ERROR(FillIdentifiers(flags.identifiers, &request));
  RETURN_IF_ERROR(FillScope(flags.scope, &request));
  ASSIGN_OR_RETURN(consent::v1::CheckResponse response,
                   context.client->Check(request));
  context.printer->Print(response);
  return response.decision().verdict() == consent::v1::VERDICT_ALLOW
             ? 0
             : kExitDenied;
}

absl::StatusOr<int> CheckBatch(const CheckFlags& flags,
                               CommandContext& context) {
  ASSIGN_OR_RETURN(std::unique_ptr<std::istream> in,
                   OpenInput(flags.batch_file));
  ASSIGN_OR_RETURN(consent::v1::CheckBatchRequest request, ReadBatch(*in));
  RETURN_IF_ERROR(FillScope(flags.scope, &request));
  ASSIGN_OR_RETURN(consent::v1::CheckBatchResponse response,
                   context.client->CheckBatch(request));
  context.printer->Print(response);
  for (const consent::v1::BatchDecision& d : response.decisions()) {
    if (d.decision().verdict() != consent::v1::VERDICT_ALLOW) {
      return kExitDenied;
    }
  }
  return 0;
}

}  // namespace

void AddCheckCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<CheckFlags>();

  CLI::App* check = app.add_subcommand(
      "check", "May this person be contacted for a purpose over a channel?");
  AddIdentifierFlags(check, &flags->identifiers);
  AddScopeFlags(check, &flags->scope);
  OnRun(check, context, flags, Check);

  CLI::App* check_batch = app.add_subcommand(
      "check-batch",
      "Check many contacts: one per line of FILE ('-' = standard input), "
      "comma-separated phone:..., email:..., id:SYSTEM:ID");
  check_batch->add_option("file", flags->batch_file, "Input file")->required();
  AddScopeFlags(check_batch, &flags->scope);
  OnRun(check_batch, context, flags, CheckBatch);
}

}  // namespace consentd::consentctl
