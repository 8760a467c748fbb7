#include "client/consentctl/printer.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace consentd::consentctl {
namespace {

using google::protobuf::util::TimeUtil;

std::string Short(const std::string& name, absl::string_view prefix) {
  absl::string_view view = name;
  absl::ConsumePrefix(&view, prefix);
  return std::string(view);
}

std::string VerdictName(consent::v1::Verdict verdict) {
  return Short(consent::v1::Verdict_Name(verdict), "VERDICT_");
}

std::string ReasonName(consent::v1::DecisionReason reason) {
  return Short(consent::v1::DecisionReason_Name(reason), "DECISION_REASON_");
}

std::string KindName(consent::v1::IdentifierKind kind) {
  return absl::AsciiStrToLower(
      Short(consent::v1::IdentifierKind_Name(kind), "IDENTIFIER_KIND_"));
}

// An erasure clears identifier values from kept requests; the digest is
// what is left to name them.
std::string ValueOrErased(const consent::v1::NormalisedIdentifier& identifier) {
  if (!identifier.value().empty()) return identifier.value();
  return absl::StrCat("(erased; digest ", identifier.digest().substr(0, 16),
                      "...)");
}

std::string Time(const google::protobuf::Timestamp& timestamp) {
  return absl::FormatTime(
      "%Y-%m-%d %H:%M:%S UTC",
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp)),
      absl::UTCTimeZone());
}

std::string Scope(const std::string& value) {
  return value.empty() ? "*" : value;
}

std::string FactLine(const consent::v1::RecordedFact& fact) {
  std::string line = absl::StrFormat(
      "#%-6d %s  %-18s purpose=%s channel=%s  via %s", fact.fact_id(),
      Time(fact.occurred_at()),
      Short(consent::v1::FactKind_Name(fact.kind()), "FACT_KIND_"),
      Scope(fact.purpose()), Scope(fact.channel()),
      Short(consent::v1::CollectionMethod_Name(
                fact.evidence().collection_method()),
            "COLLECTION_METHOD_"));
  if (fact.has_expires_at()) {
    absl::StrAppend(&line, "  expires ", Time(fact.expires_at()));
  }
  if (fact.lifted_refusal()) absl::StrAppend(&line, "  LIFTED A REFUSAL");
  if (!fact.recorded_by().empty()) {
    absl::StrAppend(&line, "  by ", fact.recorded_by());
  }
  return line;
}

}  // namespace

bool Printer::PrintedJson(const google::protobuf::Message& message) {
  if (!json_) return false;
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  out_ << text << "\n";
  return true;
}

void Printer::PrintDecision(const consent::v1::Decision& decision,
                            absl::string_view indent) {
  out_ << indent << VerdictName(decision.verdict()) << "  "
       << ReasonName(decision.reason());
  if (!decision.detail().empty()) out_ << " (" << decision.detail() << ")";
  out_ << "  [decided by identifier " << decision.deciding_identifier()
       << ", policy " << decision.policy_version() << "]\n";
  for (int i = 0; i < decision.identifiers_size(); ++i) {
    const consent::v1::IdentifierDecision& one = decision.identifiers(i);
    std::string name = one.identifier().value().empty()
                           ? "(invalid identifier)"
                           : absl::StrCat(KindName(one.identifier().kind()),
                                          " ", one.identifier().value());
    out_ << indent << "  " << i << ": " << absl::StrFormat("%-32s", name)
         << VerdictName(one.verdict()) << " " << ReasonName(one.reason());
    if (one.deciding_fact_id() != 0) {
      out_ << " (fact " << one.deciding_fact_id() << ")";
    }
    out_ << "\n";
  }
}

void Printer::Print(const consent::v1::CheckResponse& response) {
  if (PrintedJson(response)) return;
  PrintDecision(response.decision(), "");
}

void Printer::Print(const consent::v1::CheckBatchResponse& response) {
  if (PrintedJson(response)) return;
  for (const consent::v1::BatchDecision& decision : response.decisions()) {
    const consent::v1::Decision& d = decision.decision();
    out_ << absl::StrFormat("%-10s %-6s %s%s\n", decision.row_id(),
                            VerdictName(d.verdict()), ReasonName(d.reason()),
                            d.detail().empty() ? "" : " (" + d.detail() + ")");
  }
  out_ << "decided under policy " << response.policy_version() << "\n";
}

void Printer::Print(const consent::v1::RecordConsentResponse& response) {
  if (PrintedJson(response)) return;
  out_ << "recorded fact(s) " << absl::StrJoin(response.fact_ids(), ", ")
       << " at " << Time(response.recorded_at()) << " under policy "
       << response.policy_version() << "\n";
  if (response.lifted_refusal()) {
    out_ << "this subject-initiated consent lifted a standing refusal\n";
  }
}

void Printer::Print(const consent::v1::RecordObjectionResponse& response) {
  if (PrintedJson(response)) return;
  out_ << "recorded objection fact(s) "
       << absl::StrJoin(response.fact_ids(), ", ") << " at "
       << Time(response.recorded_at()) << "\n";
}

void Printer::Print(const consent::v1::GetRecordResponse& response) {
  if (PrintedJson(response)) return;
  out_ << KindName(response.identifier().kind()) << " "
       << response.identifier().value() << "\n"
       << "digest " << response.identifier().digest() << "\n";
  if (response.facts_size() == 0) {
    out_ << "nothing recorded\n";
    return;
  }
  for (const consent::v1::RecordedFact& fact : response.facts()) {
    out_ << "  " << FactLine(fact) << "\n";
    const consent::v1::Evidence& evidence = fact.evidence();
    std::vector<std::string> parts;
    if (!evidence.evidence_reference().empty()) {
      parts.push_back("evidence " + evidence.evidence_reference());
    }
    if (!evidence.notice_version().empty()) {
      parts.push_back("notice " + evidence.notice_version());
    }
    if (!evidence.collector().empty()) {
      parts.push_back("collector " + evidence.collector());
    }
    if (!evidence.source().empty()) {
      parts.push_back("source " + evidence.source());
    }
    if (!parts.empty())
      out_ << "          " << absl::StrJoin(parts, ", ") << "\n";
  }
}

void Printer::Print(const consent::v1::GetStatusResponse& response) {
  if (PrintedJson(response)) return;
  out_ << "consentd " << response.version() << "\n"
       << "policy               " << response.policy_version() << "\n"
       << "schema               v" << response.schema_version() << "\n"
       << "indexed identifiers  " << response.indexed_identifiers() << "\n"
       << "facts                " << response.facts() << "\n"
       << "list entries         " << response.suppression_list_entries() << "\n"
       << "started              " << Time(response.started_at()) << "\n"
       << "database key         v" << response.database_key_version() << "\n"
       << "signing key          v" << response.signing_key_version() << "\n";
}

void Printer::Print(const consent::v1::BackupResponse& response) {
  if (PrintedJson(response)) return;
  const consent::v1::BackupManifest& manifest = response.manifest();
  out_ << "backup " << response.file_name() << "  " << response.bytes()
       << " bytes  taken " << Time(response.taken_at()) << "\n"
       << "  manifest " << response.manifest_file_name() << "\n"
       << "  sha256   " << manifest.sha256() << "\n"
       << "  needs    database key version " << manifest.database_key_version()
       << ", schema v" << manifest.schema_version() << "\n"
       << "  holds    " << manifest.facts() << " facts, " << manifest.erasures()
       << " erasures, " << manifest.requests() << " requests, "
       << manifest.suppression_lists() << " lists, " << manifest.receipts()
       << " receipts, " << manifest.audit_entries() << " audit entries\n";
}

void Printer::Print(const consent::v1::RekeyResponse& response) {
  if (PrintedJson(response)) return;
  if (response.database_key_version() ==
      response.previous_database_key_version()) {
    out_ << "the store is already encrypted under database key version "
         << response.database_key_version() << "\n";
    return;
  }
  out_ << "re-encrypted the store under database key version "
       << response.database_key_version() << " (was version "
       << response.previous_database_key_version() << ")\n";
}

void Printer::Print(const consent::v1::Policy& policy) {
  if (PrintedJson(policy)) return;
  std::string text;
  google::protobuf::TextFormat::PrintToString(policy, &text);
  out_ << text;
}

void Printer::Print(const consent::v1::SuppressionList& list) {
  if (PrintedJson(list)) return;
  out_ << "list " << list.name() << " version " << list.version() << ": "
       << list.entries() << " entries, " << list.rejected_entries()
       << " rejected, imported " << Time(list.imported_at()) << "\n";
}

void Printer::Print(const consent::v1::ListListsResponse& response) {
  if (PrintedJson(response)) return;
  if (response.lists_size() == 0) {
    out_ << "no suppression lists\n";
    return;
  }
  out_ << absl::StrFormat("%-24s %-16s %10s %9s  %-23s  %s\n", "NAME",
                          "VERSION", "ENTRIES", "REJECTED", "IMPORTED",
                          "APPLIES TO");
  for (const consent::v1::SuppressionList& list : response.lists()) {
    std::string scope = absl::StrCat(
        "purposes ",
        list.purposes().empty() ? "*" : absl::StrJoin(list.purposes(), ","),
        ", channels ",
        list.channels().empty() ? "*" : absl::StrJoin(list.channels(), ","));
    out_ << absl::StrFormat("%-24s %-16s %10d %9d  %-23s  %s\n", list.name(),
                            list.version(), list.entries(),
                            list.rejected_entries(), Time(list.imported_at()),
                            scope);
  }
}

void Printer::Print(const consent::v1::ScrubReceipt& receipt) {
  if (PrintedJson(receipt)) return;
  out_ << "receipt " << receipt.receipt_id() << "\n"
       << "  list        " << receipt.list_name() << " (sha256 "
       << absl::BytesToHexString(receipt.list_digest()) << ")\n"
       << "  scrubbed    " << Time(receipt.scrubbed_at()) << " for "
       << receipt.purpose() << " over " << receipt.channel() << " under policy "
       << receipt.policy_version() << "\n"
       << "  decided for " << Time(receipt.at()) << ", region "
       << (receipt.default_region().empty() ? "-" : receipt.default_region())
       << "\n"
       << "  rows        " << receipt.rows_total() << ", "
       << receipt.rows_allowed() << " allowed\n";
  for (const consent::v1::ReasonCount& count : receipt.rows_by_reason()) {
    out_ << absl::StrFormat("    %-24s %d\n", ReasonName(count.reason()),
                            count.rows());
  }
  for (const consent::v1::ListVersion& list : receipt.lists_consulted()) {
    out_ << "  list used   " << list.name() << " version " << list.version()
         << "\n";
  }
  out_ << "  caller      " << receipt.caller() << "\n"
       << "  signed by   key " << receipt.key_id() << "\n";
}

void Printer::PrintIndentedJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  out_ << text;
}

void Printer::Print(const consent::v1::ReceiptKey& key) {
  PrintIndentedJson(key);
}

void Printer::Print(const consent::v1::AuditEntry& entry) {
  if (PrintedJson(entry)) return;
  out_ << absl::StrFormat(
      "%8d  %s  %s  %s  %s", entry.sequence(), Time(entry.at()), entry.actor(),
      entry.role().empty() ? "-" : entry.role(), entry.action());
  for (const std::string& id : entry.object_ids()) out_ << "  " << id;
  out_ << "\n";
}

void Printer::Print(const consent::v1::AuditCheckpoint& checkpoint) {
  PrintIndentedJson(checkpoint);
}

void Printer::Print(const consent::v1::VerifyAuditResponse& response) {
  if (PrintedJson(response)) return;
  if (response.intact()) {
    out_ << "audit trail intact: " << response.entries_verified()
         << " entries, " << response.checkpoints_verified()
         << " signed checkpoints verified\n";
  } else {
    out_ << "audit trail broken at entry " << response.first_bad_sequence()
         << ": " << response.problem() << "\n";
  }
}

namespace {

// "12 days left", "due today", "OVERDUE by 3 days".
std::string DaysLeft(const google::protobuf::Timestamp& due) {
  const absl::Duration left =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(due)) -
      absl::Now();
  const int64_t days = absl::ToInt64Hours(left) / 24;
  if (left < absl::ZeroDuration()) {
    return absl::StrCat("OVERDUE by ", 1 - days, " day(s)");
  }
  return days == 0 ? std::string("due today")
                   : absl::StrCat(days, " days left");
}

// Days left for an open request; empty for a closed one.
std::string Deadline(const consent::v1::DataSubjectRequest& request) {
  const bool open =
      request.state() == consent::v1::REQUEST_STATE_RECEIVED ||
      request.state() == consent::v1::REQUEST_STATE_IDENTITY_VERIFIED;
  return open ? DaysLeft(request.due_at()) : "";
}

std::string RequestType(consent::v1::RequestType type) {
  return Short(consent::v1::RequestType_Name(type), "REQUEST_TYPE_");
}

std::string RequestStateName(consent::v1::RequestState state) {
  return Short(consent::v1::RequestState_Name(state), "REQUEST_STATE_");
}

}  // namespace

void Printer::Print(const consent::v1::DataSubjectRequest& request) {
  if (PrintedJson(request)) return;
  out_ << "request " << request.request_id() << "  "
       << RequestType(request.type()) << "  "
       << RequestStateName(request.state()) << "\n"
       << "  received  " << Time(request.received_at());
  if (!request.received_via().empty())
    out_ << " via " << request.received_via();
  out_ << "\n  due       " << Time(request.due_at());
  if (const std::string deadline = Deadline(request); !deadline.empty()) {
    out_ << "  (" << deadline << ")";
  }
  out_ << "\n";
  if (!request.requester_contact().empty()) {
    out_ << "  contact   " << request.requester_contact() << "\n";
  }
  for (const consent::v1::NormalisedIdentifier& identifier :
       request.identifiers()) {
    out_ << "  subject   " << KindName(identifier.kind()) << " "
         << ValueOrErased(identifier) << "\n";
  }
  if (request.has_replacement()) {
    out_ << "  replace   with " << KindName(request.replacement().kind()) << " "
         << ValueOrErased(request.replacement()) << "\n";
  }
  for (const consent::v1::RequestEvent& event : request.history()) {
    out_ << "  " << Time(event.at()) << "  "
         << absl::StrFormat("%-18s", RequestStateName(event.state())) << " by "
         << event.officer();
    if (!event.note().empty()) out_ << ": " << event.note();
    out_ << "\n";
  }
}

void Printer::Print(const consent::v1::ListRequestsResponse& response) {
  if (PrintedJson(response)) return;
  if (response.requests_size() == 0) {
    out_ << "no requests\n";
    return;
  }
  out_ << absl::StrFormat("%-20s %-14s %-18s %-23s  %s\n", "REQUEST", "TYPE",
                          "STATE", "DUE", "DEADLINE");
  for (const consent::v1::DataSubjectRequest& request : response.requests()) {
    const std::string deadline = Deadline(request);
    out_ << absl::StrFormat(
        "%-20s %-14s %-18s %-23s  %s\n", request.request_id(),
        RequestType(request.type()), RequestStateName(request.state()),
        Time(request.due_at()), deadline.empty() ? "-" : deadline);
  }
  if (!response.next_page_token().empty()) {
    out_ << "more: --page-token " << response.next_page_token() << "\n";
  }
}

}  // namespace consentd::consentctl
