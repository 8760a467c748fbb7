// consent.v1.DataSubjectRequestService: the gRPC face of the request desk.
// Every method reads or writes the store, on a handler thread.
#ifndef CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_
#define CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_

#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddDataSubjectRequestService(core::ConsentCore* consent_core,
                                  rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_
