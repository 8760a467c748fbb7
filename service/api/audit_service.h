// consent.v1.AuditService: the audit trail, its signed checkpoints and its
// verification (core/audit_notary.h). Entries stream a page at a time; a
// checkpoint for sequence 0 is signed afresh for the chain's head.
#ifndef CONSENTD_SERVICE_API_AUDIT_SERVICE_H_
#define CONSENTD_SERVICE_API_AUDIT_SERVICE_H_

#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddAuditService(core::ConsentCore* consent_core,
                     rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_AUDIT_SERVICE_H_
