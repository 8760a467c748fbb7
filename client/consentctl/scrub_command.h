// `consentctl scrub`: cleans a campaign list in CSV through consentd.
//
// The CSV needs a header row; the identifier columns are named with
// --phone-column, --email-column and --id-column (with --id-system). Every
// row goes to one of two files, with every column kept as it was: the
// allowed rows, and the rejected rows with two more columns
// (consentd_reason, consentd_detail). Rows that are not valid CSV, or have
// the wrong number of fields, are reported with their line number and
// written to the rejected file as MALFORMED_ROW: never dropped. The signed
// receipt is saved beside the output, after checking that its list digest
// covers exactly the rows sent. AddScrubCommand makes it the `scrub`
// subcommand.
#ifndef CONSENTD_CLIENT_CONSENTCTL_SCRUB_COMMAND_H_
#define CONSENTD_CLIENT_CONSENTCTL_SCRUB_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/consent_client.h"
#include "client/consentctl/command_context.h"

namespace consentd::consentctl {

struct ScrubFlags {
  std::string input;
  std::string purpose;
  std::string channel;
  std::string region;
  std::string at;
  std::string list_name;
  std::vector<std::string> phone_columns;
  std::vector<std::string> email_columns;
  std::vector<std::string> id_columns;
  std::string id_system;
  // Default to INPUT-without-.csv plus .allowed.csv, .rejected.csv,
  // .receipt.json.
  std::string allowed_path;
  std::string rejected_path;
  std::string receipt_path;
  // Show rows/s on stderr as the scrub runs.
  bool progress = false;
};

struct ScrubOutcome {
  consent::v1::ScrubReceipt receipt;
  int64_t malformed_rows = 0;
  std::string allowed_path;
  std::string rejected_path;
  std::string receipt_path;
};

// Runs the scrub. Malformed rows are reported on `diagnostics`. Errors:
// INVALID_ARGUMENT for bad flags, a missing column or an unreadable header;
// NOT_FOUND for an unreadable input; the server's errors; DATA_LOSS when the
// receipt does not cover the rows sent.
absl::StatusOr<ScrubOutcome> ScrubCsv(const ScrubFlags& flags,
                                      const client::ConsentClient& client,
                                      std::ostream& diagnostics);

// Adds `scrub` to `app`: ScrubCsv with progress on standard error, then the
// receipt and, for people, where the rows and the receipt went. `context`
// must outlive the parsing.
void AddScrubCommand(CLI::App& app, CommandContext& context);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_SCRUB_COMMAND_H_
