#include "service/core/subject_export.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "base/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/identifier_resolver.h"

namespace consentd::core {

using google::protobuf::util::TimeUtil;

SubjectExporter::SubjectExporter(const ConsentLedger* ledger,
                                 const ListRegistry* list_registry,
                                 const SuppressionLists* lists,
                                 const LivePolicy* policy)
    : ledger_(ledger),
      list_registry_(list_registry),
      lists_(lists),
      policy_(policy) {}

absl::StatusOr<consent::v1::SubjectExport> SubjectExporter::Export(
    const consent::v1::DataSubjectRequest& request,
    std::vector<consent::v1::DataSubjectRequest> related,
    absl::Time now) const {
  consent::v1::SubjectExport out;
  out.set_schema(kSubjectExportSchema);
  out.set_request_id(request.request_id());
  *out.mutable_generated_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  out.set_policy_version(policy_->Current()->version());

  ASSIGN_OR_RETURN(consent::v1::ListListsResponse described,
                   list_registry_->Describe());
  absl::flat_hash_map<std::string, const consent::v1::SuppressionList*>
      list_by_name;
  for (const consent::v1::SuppressionList& list : described.lists()) {
    list_by_name[list.name()] = &list;
  }
  for (const consent::v1::NormalisedIdentifier& identifier :
       request.identifiers()) {
    ASSIGN_OR_RETURN(crypto::Digest digest,
                     IdentifierResolver::DigestOf(identifier));
    consent::v1::SubjectRecord* record = out.add_records();
    *record->mutable_identifier() = identifier;
    ASSIGN_OR_RETURN(std::vector<consent::v1::RecordedFact> facts,
                     ledger_->FactsFor(digest));
    for (consent::v1::RecordedFact& fact : facts) {
      *record->add_facts() = std::move(fact);
    }
    for (const std::string& name : lists_->NamesHolding(digest)) {
      consent::v1::SuppressionListMembership* membership =
          record->add_suppression_lists();
      membership->set_name(name);
      // A list dropped between the two reads is still named: it held them.
      if (auto it = list_by_name.find(name); it != list_by_name.end()) {
        membership->set_version(it->second->version());
        *membership->mutable_imported_at() = it->second->imported_at();
      }
    }
  }
  for (consent::v1::DataSubjectRequest& kept : related) {
    *out.add_requests() = std::move(kept);
  }
  return out;
}

absl::StatusOr<std::string> SubjectExporter::ToJson(
    const consent::v1::SubjectExport& export_document) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const google::protobuf::util::Status status =
      google::protobuf::util::MessageToJsonString(export_document, &json,
                                                  options);
  if (!status.ok()) {
    return absl::InternalError("the export could not be rendered as JSON");
  }
  return json;
}

}  // namespace consentd::core
