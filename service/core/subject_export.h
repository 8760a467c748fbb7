// SubjectExporter: the answer to ACCESS and PORTABILITY requests (SPEC §5):
// everything consentd holds about a subject, as a consent.v1.SubjectExport
// rendered in JSON. For each identifier of the request: every fact with its
// evidence, and the suppression lists that hold it; and every kept request
// about the subject.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_SUBJECT_EXPORT_H_
#define CONSENTD_SERVICE_CORE_SUBJECT_EXPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "consent/v1/requests.pb.h"
#include "service/core/consent_ledger.h"
#include "service/core/list_registry.h"
#include "service/core/live_policy.h"
#include "service/core/suppression_lists.h"

namespace consentd::core {

inline constexpr char kSubjectExportSchema[] = "consentd.subject-export.v1";

class SubjectExporter {
 public:
  // Every pointer must outlive the exporter.
  SubjectExporter(const ConsentLedger* ledger,
                  const ListRegistry* list_registry,
                  const SuppressionLists* lists, const LivePolicy* policy);

  // The export answering `request` (its identifiers must carry digests);
  // `related` are the kept requests about the subject, by due date.
  // Errors: DATA_LOSS for a malformed stored digest; store errors.
  absl::StatusOr<consent::v1::SubjectExport> Export(
      const consent::v1::DataSubjectRequest& request,
      std::vector<consent::v1::DataSubjectRequest> related,
      absl::Time now) const;

  // The document form: JSON with the proto field names, every field
  // present. Errors: INTERNAL if the message cannot be rendered.
  static absl::StatusOr<std::string> ToJson(
      const consent::v1::SubjectExport& export_document);

 private:
  const ConsentLedger* const ledger_;
  const ListRegistry* const list_registry_;
  const SuppressionLists* const lists_;
  const LivePolicy* const policy_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_SUBJECT_EXPORT_H_
