#include "client/consentctl/list_commands.h"

#include <iostream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/input_file.h"

namespace consentd::consentctl {
namespace {

// The flags of every command here; only the chosen command's are set.
struct ListFlags {
  consent::v1::ImportListHeader header;
  std::vector<std::string> purposes;
  std::vector<std::string> channels;
  // The import's input; "-" is standard input.
  std::string file;
  std::string drop_name;
};

absl::StatusOr<int> ImportList(const ListFlags& flags,
                               CommandContext& context) {
  consent::v1::ImportListHeader header = flags.header;
  for (const std::string& purpose : flags.purposes) {
    header.add_purposes(purpose);
  }
  for (const std::string& channel : flags.channels) {
    header.add_channels(channel);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<std::istream> in, OpenInput(flags.file));
  EntryReader entries(*in);
  auto next =
      [&entries](consent::v1::Identifier* identifier) -> absl::StatusOr<bool> {
    std::optional<absl::string_view> text = entries.Next();
    if (!text.has_value()) return false;
    absl::StatusOr<consent::v1::Identifier> entry = ParseListEntry(*text);
    if (!entry.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", entries.line_number(), ": ",
                       entry.status().message(), "; nothing imported"));
    }
    *identifier = *std::move(entry);
    return true;
  };
  return PrintAnswer(context, context.client->ImportList(header, next));
}

absl::StatusOr<int> DropList(const ListFlags& flags, CommandContext& context) {
  ASSIGN_OR_RETURN(consent::v1::DropListResponse dropped,
                   context.client->DropList(flags.drop_name));
  if (!dropped.dropped()) {
    std::cout << "asked to drop list " << flags.drop_name
              << "; it stays until a second principal (privacy officer or "
                 "admin) asks too, within a day\n";
  } else if (!dropped.requested_by().empty()) {
    std::cout << "dropped list " << flags.drop_name << " (asked first by "
              << dropped.requested_by() << ")\n";
  } else {
    std::cout << "dropped list " << flags.drop_name << "\n";
  }
  return 0;
}

}  // namespace

void AddListCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ListFlags>();

  CLI::App* list = app.add_subcommand(
      "list", "External suppression lists (do-not-call registers, ...)");
  list->require_subcommand(1);

  CLI::App* import = list->add_subcommand(
      "import",
      "Import a new version of a list from FILE ('-' = standard input): one "
      "entry per line, a phone number or phone:..., email:..., id:SYSTEM:ID");
  import->add_option("file", flags->file, "Input file")->required();
  import->add_option("--name", *flags->header.mutable_name(), "List name")
      ->required();
  import
      ->add_option("--version", *flags->header.mutable_version(),
                   "The publisher's version label")
      ->required();
  import->add_option("--purpose", flags->purposes,
                     "Purpose it applies to (repeatable; default every)");
  import->add_option("--channel", flags->channels,
                     "Channel it applies to (repeatable; default every)");
  import->add_option("--region", *flags->header.mutable_default_region(),
                     "Region for national-format numbers");
  OnRun(import, context, flags, ImportList);

  CLI::App* show = list->add_subcommand("show", "Every list held");
  OnRun(show, context, [&context] {
    return PrintAnswer(context, context.client->ListLists());
  });

  CLI::App* drop = list->add_subcommand("drop", "Remove a list");
  drop->add_option("--name", flags->drop_name, "List name")->required();
  OnRun(drop, context, flags, DropList);
}

}  // namespace consentd::consentctl
