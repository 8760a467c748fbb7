// consent.v1.SuppressionListService: the gRPC face of the list registry.
// ImportList reads the header, then entries, and publishes only when the
// client completes the stream; a cancelled or broken stream publishes
// nothing.
#ifndef CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_
#define CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_

#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddSuppressionListService(core::ConsentCore* consent_core,
                               rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_
