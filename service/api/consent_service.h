// consent.v1.ConsentService: the gRPC face of the ledger and the checker.
// Each method hands the request to core and maps the result; validation and
// decisions live in core. ExplainCheck answers UNIMPLEMENTED until its issue
// lands.
//
// Check answers from memory on the completion-queue thread. CheckBatch
// answers from memory too, but on a handler thread: a batch of up to 10,000
// national numbers takes tens of milliseconds, which Checks must not wait
// behind, and concurrent batches then use every core. A write is validated
// and queued on a handler thread (the ledger's write lock can be held across
// an erasure's transaction) and answered from the commit queue once durable;
// GetRecord reads the store on a handler thread.
#ifndef CONSENTD_SERVICE_API_CONSENT_SERVICE_H_
#define CONSENTD_SERVICE_API_CONSENT_SERVICE_H_

#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddConsentService(core::ConsentCore* consent_core,
                       rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_CONSENT_SERVICE_H_
