// consent.v1.AdminService: status and the policy in force, answered from
// memory on the completion-queue thread, and Rekey and Backup, on a handler
// thread (they read or rewrite the whole store).
#ifndef CONSENTD_SERVICE_API_ADMIN_SERVICE_H_
#define CONSENTD_SERVICE_API_ADMIN_SERVICE_H_

#include "absl/time/time.h"
#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// `consent_core` must outlive the server.
void AddAdminService(core::ConsentCore* consent_core, absl::Time started_at,
                     rpc::MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_ADMIN_SERVICE_H_
