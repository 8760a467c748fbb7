// The flag sets several consentctl commands share, each with the function
// that adds it to a command and the one that copies it into a request:
// identifiers (--phone, --email, --id), the evidence of a write (--method,
// --notice-version, --evidence-ref, --collector, --source, --occurred-at) and
// the scope of a check (--purpose, --channel, --region, --at). The Fill
// functions return INVALID_ARGUMENT for a value that does not parse (the
// messages of arguments.h) and leave the request partly filled then.
#ifndef CONSENTD_CLIENT_CONSENTCTL_FLAG_SETS_H_
#define CONSENTD_CLIENT_CONSENTCTL_FLAG_SETS_H_

#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "base/status_macros.h"
#include "client/consentctl/arguments.h"

namespace consentd::consentctl {

// Adds --phone, --email and --id (each repeatable) to `command`, into
// `flags`, which must outlive the parsing.
void AddIdentifierFlags(CLI::App* command, IdentifierFlags* flags);

// Appends the identifiers named to the request's `identifiers`. Naming none
// is an error.
template <typename Request>
absl::Status FillIdentifiers(const IdentifierFlags& flags, Request* request) {
  ASSIGN_OR_RETURN(std::vector<consent::v1::Identifier> identifiers,
                   IdentifiersFromFlags(flags));
  for (consent::v1::Identifier& identifier : identifiers) {
    *request->add_identifiers() = std::move(identifier);
  }
  return absl::OkStatus();
}

struct EvidenceFlags {
  std::string method;
  std::string notice_version;
  std::string evidence_reference;
  std::string collector;
  std::string source = "consentctl";
  std::string occurred_at;
};

// Adds the evidence flags to `command` (--method required), into `flags`,
// which must outlive the parsing.
void AddEvidenceFlags(CLI::App* command, EvidenceFlags* flags);

// Fills what every write shares: identifiers, evidence, occurrence time
// (left unset when --occurred-at is not given).
template <typename Request>
absl::Status FillWrite(const IdentifierFlags& identifiers,
                       const EvidenceFlags& flags, Request* request) {
  RETURN_IF_ERROR(FillIdentifiers(identifiers, request));
  ASSIGN_OR_RETURN(consent::v1::CollectionMethod method,
                   ParseEnumFlag<consent::v1::CollectionMethod>(flags.method));
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

struct ScopeFlags {
  std::string purpose;
  std::string channel;
  std::string region;
  std::string at;
};

// Adds --purpose and --channel (both required), --region and --at to
// `command`, into `flags`, which must outlive the parsing.
void AddScopeFlags(CLI::App* command, ScopeFlags* flags);

// Sets purpose, channel, region and time (left unset when --at is not
// given) on a check request.
template <typename Request>
absl::Status FillScope(const ScopeFlags& flags, Request* request) {
  request->set_purpose(flags.purpose);
  request->set_channel(flags.channel);
  request->set_default_region(flags.region);
  if (!flags.at.empty()) {
    ASSIGN_OR_RETURN(*request->mutable_at(), ParseTimestamp(flags.at));
  }
  return absl::OkStatus();
}

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_FLAG_SETS_H_
