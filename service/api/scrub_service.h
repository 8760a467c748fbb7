// consent.v1.ScrubService: the gRPC face of the scrubber. Scrub reads the
// header, then answers each message of rows as it arrives (the stream's flow
// control keeps either side from holding the whole list), and sends the
// signed receipt only when the client has completed its side; a cancelled
// scrub produces no receipt.
#ifndef CONSENTD_SERVICE_API_SCRUB_SERVICE_H_
#define CONSENTD_SERVICE_API_SCRUB_SERVICE_H_

#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddScrubService(const core::ConsentCore* consent_core,
                     rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_SCRUB_SERVICE_H_
