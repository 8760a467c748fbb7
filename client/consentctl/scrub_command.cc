#include "client/consentctl/scrub_command.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "client/consentctl/arguments.h"
#include "client/consentctl/csv.h"
#include "client/consentctl/proto_json_file.h"
#include "crypto/list_digest.h"

namespace consentd::consentctl {
namespace {

constexpr int kMaxReportedMalformedRows = 20;

// A row read from the input, waiting for its result to come back.
struct PendingRow {
  std::vector<std::string> fields;
  // False for a malformed row, which is never sent.
  bool sent = false;
  std::string problem;
};

absl::StatusOr<std::vector<size_t>> ColumnIndexes(
    const std::vector<std::string>& header,
    const std::vector<std::string>& names) {
  std::vector<size_t> indexes;
  for (const std::string& name : names) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the header has no column \"", name, "\""));
    }
    indexes.push_back(static_cast<size_t>(it - header.begin()));
  }
  return indexes;
}

std::string ShortReason(consent::v1::DecisionReason reason) {
  absl::string_view name = consent::v1::DecisionReason_Name(reason);
  absl::ConsumePrefix(&name, "DECISION_REASON_");
  return std::string(name);
}

std::string WithoutCsvExtension(const std::string& path) {
  absl::string_view base = path;
  if (!absl::ConsumeSuffix(&base, ".csv")) absl::ConsumeSuffix(&base, ".CSV");
  return std::string(base);
}

}  // namespace

absl::StatusOr<ScrubOutcome> ScrubCsv(const ScrubFlags& flags,
                                      const client::ConsentClient& client,
                                      std::ostream& diagnostics) {
  if (flags.phone_columns.empty() && flags.email_columns.empty() &&
      flags.id_columns.empty()) {
    return absl::InvalidArgumentError(
        "name the identifier columns with --phone-column, --email-column or "
        "--id-column");
  }
  if (!flags.id_columns.empty() && flags.id_system.empty()) {
    return absl::InvalidArgumentError("--id-column needs --id-system");
  }
  ScrubOutcome outcome;
  const std::string base = WithoutCsvExtension(flags.input);
  outcome.allowed_path =
      flags.allowed_path.empty() ? base + ".allowed.csv" : flags.allowed_path;
  outcome.rejected_path = flags.rejected_path.empty() ? base + ".rejected.csv"
                                                      : flags.rejected_path;
  outcome.receipt_path =
      flags.receipt_path.empty() ? base + ".receipt.json" : flags.receipt_path;

  std::ifstream input(flags.input, std::ios::binary);
  if (!input) {
    return absl::NotFoundError(absl::StrCat("cannot read ", flags.input));
  }
  CsvReader reader(input);
  std::vector<std::string> header;
  absl::StatusOr<bool> has_header = reader.Next(&header);
  if (!has_header.ok()) return has_header.status();
  if (!*has_header) {
    return absl::InvalidArgumentError("the input is empty: no header row");
  }
  ASSIGN_OR_RETURN(std::vector<size_t> phones,
                   ColumnIndexes(header, flags.phone_columns));
  ASSIGN_OR_RETURN(std::vector<size_t> emails,
                   ColumnIndexes(header, flags.email_columns));
  ASSIGN_OR_RETURN(std::vector<size_t> ids,
                   ColumnIndexes(header, flags.id_columns));

  std::ofstream allowed(outcome.allowed_path, std::ios::trunc);
  std::ofstream rejected(outcome.rejected_path, std::ios::trunc);
  if (!allowed || !rejected) {
    return absl::FailedPreconditionError("cannot create the output files");
  }
  allowed << CsvLine(header);
  std::vector<std::string> rejected_header = header;
  rejected_header.push_back("consentd_reason");
  rejected_header.push_back("consentd_detail");
  rejected << CsvLine(rejected_header);

  consent::v1::ScrubHeader scrub_header;
  scrub_header.set_purpose(flags.purpose);
  scrub_header.set_channel(flags.channel);
  scrub_header.set_default_region(flags.region);
  scrub_header.set_list_name(flags.list_name.empty() ? flags.input
                                                     : flags.list_name);
  if (!flags.at.empty()) {
    ASSIGN_OR_RETURN(*scrub_header.mutable_at(), ParseTimestamp(flags.at));
  }

  absl::Mutex mu;
  std::deque<PendingRow> pending;  // guarded by mu
  crypto::ListDigest digest;       // written by the sending thread only
  std::vector<std::string> fields;

  auto reject = [&](std::vector<std::string> row, absl::string_view reason,
                    absl::string_view detail) {
    row.emplace_back(reason);
    row.emplace_back(detail);
    rejected << CsvLine(row);
  };
  auto flush_malformed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    while (!pending.empty() && !pending.front().sent) {
      reject(std::move(pending.front().fields), "MALFORMED_ROW",
             pending.front().problem);
      pending.pop_front();
    }
  };

  auto next = [&](consent::v1::ScrubRow* row) -> absl::StatusOr<bool> {
    while (true) {
      absl::StatusOr<bool> more = reader.Next(&fields);
      PendingRow entry;
      if (more.ok() && !*more) return false;
      if (!more.ok()) {
        entry.problem = std::string(more.status().message());
      } else if (fields.size() != header.size()) {
        entry.problem =
            absl::StrCat("line ", reader.record_line(), ": expected ",
                         header.size(), " fields, found ", fields.size());
        entry.fields = fields;
      }
      if (!entry.problem.empty()) {
        // `diagnostics` is shared with the progress line of the other
        // thread.
        absl::MutexLock lock(&mu);
        if (++outcome.malformed_rows <= kMaxReportedMalformedRows) {
          diagnostics << "consentctl: " << entry.problem
                      << " (written to the rejected rows)\n";
        }
        pending.push_back(std::move(entry));
        continue;
      }
      row->set_row_id(absl::StrCat(reader.record_line()));
      for (size_t i : phones) {
        if (!fields[i].empty()) row->add_identifiers()->set_phone(fields[i]);
      }
      for (size_t i : emails) {
        if (!fields[i].empty()) row->add_identifiers()->set_email(fields[i]);
      }
      for (size_t i : ids) {
        if (fields[i].empty()) continue;
        consent::v1::ExternalId* id =
            row->add_identifiers()->mutable_external_id();
        id->set_system(flags.id_system);
        id->set_id(fields[i]);
      }
      digest.AddRow(*row);
      entry.fields = fields;
      entry.sent = true;
      absl::MutexLock lock(&mu);
      pending.push_back(std::move(entry));
      return true;
    }
  };

  const bool show_progress = flags.progress && isatty(STDERR_FILENO);
  const absl::Time started = absl::Now();
  absl::Time last_progress = started;
  int64_t done = 0;
  auto on_result = [&](const consent::v1::ScrubRowResult& result) {
    absl::MutexLock lock(&mu);
    flush_malformed();
    // Results come back in the order rows were sent.
    PendingRow row = std::move(pending.front());
    pending.pop_front();
    if (result.verdict() == consent::v1::VERDICT_ALLOW) {
      allowed << CsvLine(row.fields);
    } else {
      reject(std::move(row.fields), ShortReason(result.reason()),
             result.detail());
    }
    ++done;
    if (show_progress && (done & 1023) == 0 &&
        absl::Now() - last_progress > absl::Milliseconds(200)) {
      last_progress = absl::Now();
      double seconds = absl::ToDoubleSeconds(last_progress - started);
      diagnostics << "\rscrubbed " << done << " rows ("
                  << static_cast<int64_t>(done / std::max(seconds, 1e-3))
                  << " rows/s)" << std::flush;
    }
  };

  absl::StatusOr<consent::v1::ScrubReceipt> receipt =
      client.Scrub(scrub_header, next, on_result);
  if (show_progress) diagnostics << "\n";
  if (!receipt.ok()) return receipt.status();
  {
    absl::MutexLock lock(&mu);
    flush_malformed();
  }
  if (outcome.malformed_rows > kMaxReportedMalformedRows) {
    diagnostics << "consentctl: "
                << outcome.malformed_rows - kMaxReportedMalformedRows
                << " more malformed rows in the rejected rows\n";
  }
  if (!allowed.flush() || !rejected.flush()) {
    return absl::FailedPreconditionError("cannot write the output files");
  }
  if (receipt->list_digest() != digest.Finish()) {
    return absl::DataLossError(
        "the receipt's list digest does not match the rows sent");
  }
  RETURN_IF_ERROR(WriteProtoJson(outcome.receipt_path, *receipt));
  outcome.receipt = *std::move(receipt);
  return outcome;
}

void AddScrubCommand(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ScrubFlags>();
  flags->progress = true;
  CLI::App* scrub = app.add_subcommand(
      "scrub",
      "Scrub a campaign list (CSV with a header row) before a campaign: "
      "writes the allowed and the rejected rows and saves the signed receipt");
  scrub->add_option("file", flags->input, "Input CSV")->required();
  scrub->add_option("--purpose", flags->purpose, "Purpose")->required();
  scrub->add_option("--channel", flags->channel, "Channel")->required();
  scrub->add_option("--region", flags->region,
                    "Region for national-format numbers, e.g. SI");
  scrub->add_option("--at", flags->at,
                    "Time of the campaign (RFC 3339; default now)");
  scrub->add_option("--phone-column", flags->phone_columns,
                    "Column holding a phone number (repeatable)");
  scrub->add_option("--email-column", flags->email_columns,
                    "Column holding an e-mail address (repeatable)");
  scrub->add_option("--id-column", flags->id_columns,
                    "Column holding an external id (repeatable)");
  scrub->add_option("--id-system", flags->id_system,
                    "The system that issued the --id-column ids");
  scrub->add_option("--list-name", flags->list_name,
                    "Name of the list in the receipt (default: the file)");
  scrub->add_option("--allowed", flags->allowed_path,
                    "Allowed rows (default FILE.allowed.csv)");
  scrub->add_option("--rejected", flags->rejected_path,
                    "Rejected rows (default FILE.rejected.csv)");
  scrub->add_option("--receipt", flags->receipt_path,
                    "Receipt (default FILE.receipt.json)");
  OnRun(scrub, context, [flags, &context]() -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(ScrubOutcome outcome,
                     ScrubCsv(*flags, *context.client, std::cerr));
    context.printer->Print(outcome.receipt);
    if (!context.json) {
      std::cout << "allowed rows   " << outcome.allowed_path << "\n"
                << "rejected rows  " << outcome.rejected_path << "\n"
                << "receipt        " << outcome.receipt_path << "\n";
      if (outcome.malformed_rows > 0) {
        std::cout << "malformed rows " << outcome.malformed_rows
                  << " (in the rejected rows as MALFORMED_ROW)\n";
      }
    }
    return 0;
  });
}

}  // namespace consentd::consentctl
