#include "client/consentctl/audit_commands.h"

#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "client/consentctl/proto_json_file.h"
#include "crypto/checkpoint_signature.h"
#include "crypto/ed25519.h"

namespace consentd::consentctl {
namespace {

// The flags of every command here; only the chosen command's are set.
struct AuditFlags {
  int64_t from = 1;
  int64_t max = 0;
  int64_t sequence = 0;
  std::string checkpoint_file;
  std::string key_id;
};

absl::StatusOr<int> List(const AuditFlags& flags, CommandContext& context) {
  RETURN_IF_ERROR(context.client->ListAuditEntries(
      flags.from, flags.max, [&](const consent::v1::AuditEntry& entry) {
        context.printer->Print(entry);
      }));
  return 0;
}

// Checks a checkpoint kept earlier against the chain as it is now: its
// signature, the key it names, and the hash of the entry it covers.
// Returns that entry's sequence number.
absl::StatusOr<int64_t> CheckKeptCheckpoint(const AuditFlags& flags,
                                            CommandContext& context) {
  consent::v1::AuditCheckpoint kept;
  RETURN_IF_ERROR(ReadProtoJson(flags.checkpoint_file, &kept));
  if (!flags.key_id.empty() && kept.key_id() != flags.key_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("the kept checkpoint is signed by key ", kept.key_id(),
                     ", not by the pinned key ", flags.key_id));
  }
  RETURN_IF_ERROR(crypto::VerifyCheckpoint(kept, kept.public_key()));
  std::optional<consent::v1::AuditEntry> entry;
  RETURN_IF_ERROR(context.client->ListAuditEntries(
      kept.sequence(), 1,
      [&](const consent::v1::AuditEntry& e) { entry = e; }));
  if (!entry || entry->sequence() != kept.sequence()) {
    return absl::DataLossError(absl::StrCat(
        "the server no longer holds entry ", kept.sequence(),
        ", which the kept checkpoint covers: the trail was truncated or "
        "rolled back"));
  }
  if (entry->entry_hash() != kept.entry_hash()) {
    return absl::DataLossError(absl::StrCat(
        "entry ", kept.sequence(),
        " differs from the kept checkpoint: the history up to it was "
        "rewritten"));
  }
  return kept.sequence();
}

absl::StatusOr<int> Verify(const AuditFlags& flags, CommandContext& context) {
  std::optional<int64_t> kept;
  if (!flags.checkpoint_file.empty()) {
    ASSIGN_OR_RETURN(kept, CheckKeptCheckpoint(flags, context));
  }
  ASSIGN_OR_RETURN(consent::v1::VerifyAuditResponse verified,
                   context.client->VerifyAudit());
  context.printer->Print(verified);
  if (!verified.intact()) {
    return absl::DataLossError(absl::StrCat("audit trail broken at entry ",
                                            verified.first_bad_sequence(), ": ",
                                            verified.problem()));
  }
  if (kept && !context.json) {
    std::cout << "the kept checkpoint at entry " << *kept << " matches\n";
  }
  return 0;
}

}  // namespace

void AddAuditCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<AuditFlags>();

  CLI::App* audit = app.add_subcommand("audit", "The audit trail");
  audit->require_subcommand(1);

  CLI::App* list =
      audit->add_subcommand("list", "Print audit entries, oldest first");
  list->add_option("--from", flags->from, "First sequence number")
      ->check(CLI::PositiveNumber);
  list->add_option("--max", flags->max, "At most this many (0: server limit)")
      ->check(CLI::NonNegativeNumber);
  OnRun(list, context, flags, &List);

  CLI::App* checkpoint = audit->add_subcommand(
      "checkpoint",
      "Print a signed checkpoint (JSON with --json): keep it away from the "
      "server, and check it later with `audit verify --checkpoint`");
  checkpoint
      ->add_option("--sequence", flags->sequence,
                   "The checkpoint kept for this entry (default: one signed "
                   "now for the latest entry)")
      ->check(CLI::NonNegativeNumber);
  OnRun(checkpoint, context, [flags, &context] {
    return PrintAnswer(context,
                       context.client->GetAuditCheckpoint(flags->sequence));
  });

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Have the server verify the whole trail; exit 1 naming the first bad "
      "entry when it is not intact");
  verify->add_option("--checkpoint", flags->checkpoint_file,
                     "A checkpoint kept earlier (JSON): check the chain still "
                     "holds it");
  verify->add_option("--key-id", flags->key_id,
                     "The audit key id the kept checkpoint must be signed by");
  OnRun(verify, context, flags, &Verify);
}

}  // namespace consentd::consentctl
