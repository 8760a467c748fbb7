#include "client/consentctl/receipt_commands.h"

#include <iostream>
#include <memory>
#include <string>

#include "base/status_macros.h"
#include "client/consentctl/proto_json_file.h"
#include "crypto/receipt_signature.h"

namespace consentd::consentctl {
namespace {

// The flags of every command here; only the chosen command's are set.
struct ReceiptFlags {
  std::string id;
  std::string receipt_file;
  std::string key_file;
  std::string key_id;
};

absl::StatusOr<int> VerifyReceipt(const ReceiptFlags& flags) {
  consent::v1::ScrubReceipt kept;
  consent::v1::ReceiptKey key;
  RETURN_IF_ERROR(ReadProtoJson(flags.receipt_file, &kept));
  RETURN_IF_ERROR(ReadProtoJson(flags.key_file, &key));
  RETURN_IF_ERROR(crypto::VerifyReceipt(kept, key));
  std::cout << "receipt " << kept.receipt_id() << " is intact: signed by key "
            << kept.key_id() << "\n";
  return 0;
}

}  // namespace

void AddReceiptCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ReceiptFlags>();

  CLI::App* receipt = app.add_subcommand("receipt", "Scrub receipts");
  receipt->require_subcommand(1);

  CLI::App* key = receipt->add_subcommand(
      "key",
      "Print the public key receipts are signed with (JSON); keep it "
      "to verify receipts offline");
  key->add_option("--id", flags->key_id,
                  "An older key's id, from the receipts it signed");
  OnRun(key, context, [flags, &context] {
    return PrintAnswer(context, context.client->GetReceiptKey(flags->key_id));
  });

  CLI::App* show =
      receipt->add_subcommand("show", "Fetch a kept receipt by id");
  show->add_option("id", flags->id, "Receipt id")->required();
  OnRun(show, context, [flags, &context] {
    return PrintAnswer(context, context.client->GetReceipt(flags->id));
  });

  CLI::App* verify = receipt->add_subcommand(
      "verify", "Check a receipt file's signature offline");
  verify->add_option("file", flags->receipt_file, "Receipt (JSON)")->required();
  verify
      ->add_option("--key", flags->key_file,
                   "Public key from `receipt key` (JSON)")
      ->required();
  OnRun(verify, context, [flags] { return VerifyReceipt(*flags); });
}

}  // namespace consentd::consentctl
