// AddConsentdServices: every consent.v1 service's handlers, registered in
// one place for the server (ConsentServer) and the RPC-handler fuzzer.
#ifndef CONSENTD_SERVICE_API_CONSENTD_SERVICES_H_
#define CONSENTD_SERVICE_API_CONSENTD_SERVICES_H_

#include "absl/time/time.h"
#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// Registers every consent.v1 service's handlers for `consent_core` (which
// must outlive `methods`) in `methods`: what a ConsentServer serves, less
// health and reflection, which the rpc server adds. GetStatus reports
// `started_at`.
void AddConsentdServices(core::ConsentCore* consent_core, absl::Time started_at,
                         rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_CONSENTD_SERVICES_H_
