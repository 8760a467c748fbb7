#include "service/api/consentd_services.h"

#include "consent/v1/feed.pb.h"
#include "service/api/admin_service.h"
#include "service/api/audit_service.h"
#include "service/api/consent_service.h"
#include "service/api/data_subject_request_service.h"
#include "service/api/scrub_service.h"
#include "service/api/suppression_list_service.h"

namespace consentd::api {

void AddConsentdServices(core::ConsentCore* consent_core, absl::Time started_at,
                         rpc::MethodTable* methods) {
  AddConsentService(consent_core, methods);
  AddAdminService(consent_core, started_at, methods);
  AddSuppressionListService(consent_core, methods);
  AddScrubService(consent_core, methods);
  AddDataSubjectRequestService(consent_core, methods);
  AddAuditService(consent_core, methods);
  // Designed, not built yet: named so that health checks and reflection
  // show the whole v1 surface; its methods answer UNIMPLEMENTED. Naming it
  // through a message of its file links its descriptors in.
  methods->AddService(consent::v1::Change::descriptor()
                          ->file()
                          ->FindServiceByName("ChangeFeedService")
                          ->full_name());
}

}  // namespace consentd::api
