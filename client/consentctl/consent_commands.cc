#include "client/consentctl/consent_commands.h"

#include <memory>
#include <string>
#include <vector>

#include "base/status_macros.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/flag_sets.h"

namespace consentd::consentctl {
namespace {

// The flags of every command here; only the chosen command's are set.
struct ConsentFlags {
  IdentifierFlags identifiers;
  EvidenceFlags evidence;
  std::string purpose;
  std::string channel;
  std::string region;
  std::string lawful_basis;
  std::string idempotency_key;
};

void AddIdempotencyKeyFlag(CLI::App* command, ConsentFlags* flags) {
  command->add_option(
      "--idempotency-key", flags->idempotency_key,
      "Names this write, so that running the command again (say, after a "
      "timeout) records it once; never personal data (default: a random "
      "key, kept across this command's own retries)");
}

absl::StatusOr<int> RecordConsent(const ConsentFlags& flags,
                                  consent::v1::ConsentAction action,
                                  CommandContext& context) {
  consent::v1::RecordConsentRequest request;
  request.set_action(action);
  request.set_purpose(flags.purpose);
  request.set_channel(flags.channel);
  request.set_default_region(flags.region);
  if (!flags.lawful_basis.empty()) {
    ASSIGN_OR_RETURN(
        consent::v1::LawfulBasis basis,
        ParseEnumFlag<consent::v1::LawfulBasis>(flags.lawful_basis));
    request.set_lawful_basis(basis);
  }
  RETURN_IF_ERROR(FillWrite(flags.identifiers, flags.evidence, &request));
  request.set_idempotency_key(flags.idempotency_key);
  return PrintAnswer(context, context.client->RecordConsent(request));
}

absl::StatusOr<int> RecordObjection(const ConsentFlags& flags,
                                    CommandContext& context) {
  consent::v1::RecordObjectionRequest request;
  request.set_purpose(flags.purpose);
  request.set_channel(flags.channel);
  request.set_default_region(flags.region);
  RETURN_IF_ERROR(FillWrite(flags.identifiers, flags.evidence, &request));
  request.set_idempotency_key(flags.idempotency_key);
  return PrintAnswer(context, context.client->RecordObjection(request));
}

absl::StatusOr<int> Show(const ConsentFlags& flags, CommandContext& context) {
  ASSIGN_OR_RETURN(std::vector<consent::v1::Identifier> named,
                   IdentifiersFromFlags(flags.identifiers));
  if (named.size() != 1) {
    return absl::InvalidArgumentError("show takes one identifier");
  }
  consent::v1::GetRecordRequest request;
  *request.mutable_identifier() = named.front();
  request.set_default_region(flags.region);
  return PrintAnswer(context, context.client->GetRecord(request));
}

}  // namespace

void AddConsentCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ConsentFlags>();

  CLI::App* consent_command =
      app.add_subcommand("consent", "Record consent given or withdrawn");
  consent_command->require_subcommand(1);
  struct Action {
    const char* name;
    const char* help;
    consent::v1::ConsentAction action;
  };
  for (const Action& action : {Action{"grant", "Record consent given",
                                      consent::v1::CONSENT_ACTION_GRANT},
                               Action{"withdraw", "Record consent withdrawn",
                                      consent::v1::CONSENT_ACTION_WITHDRAW}}) {
    CLI::App* command =
        consent_command->add_subcommand(action.name, action.help);
    AddIdentifierFlags(command, &flags->identifiers);
    AddEvidenceFlags(command, &flags->evidence);
    command->add_option("--purpose", flags->purpose, "Purpose")->required();
    command->add_option("--channel", flags->channel,
                        "Channel (default: every channel)");
    command->add_option("--region", flags->region,
                        "Region for national-format numbers");
    command->add_option("--lawful-basis", flags->lawful_basis,
                        "Lawful basis (default: consent)");
    AddIdempotencyKeyFlag(command, flags.get());
    OnRun(command, context, [flags, &context, action = action.action] {
      return RecordConsent(*flags, action, context);
    });
  }

  CLI::App* object = app.add_subcommand(
      "object",
      "Record an objection / do-not-contact (global unless --purpose or "
      "--channel narrow it)");
  AddIdentifierFlags(object, &flags->identifiers);
  AddEvidenceFlags(object, &flags->evidence);
  object->add_option("--purpose", flags->purpose,
                     "Purpose objected to (default: every purpose)");
  object->add_option("--channel", flags->channel,
                     "Channel objected to (default: every channel)");
  object->add_option("--region", flags->region,
                     "Region for national-format numbers");
  AddIdempotencyKeyFlag(object, flags.get());
  OnRun(object, context, flags, RecordObjection);

  CLI::App* show =
      app.add_subcommand("show", "Everything recorded for one identifier");
  AddIdentifierFlags(show, &flags->identifiers);
  show->add_option("--region", flags->region,
                   "Region for national-format numbers");
  OnRun(show, context, flags, Show);
}

}  // namespace consentd::consentctl
