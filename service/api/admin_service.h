// AdminServiceImpl: status and the policy in force. Backup and Rekey answer
// UNIMPLEMENTED until their issues land.
#ifndef CONSENTD_SERVICE_API_ADMIN_SERVICE_H_
#define CONSENTD_SERVICE_API_ADMIN_SERVICE_H_

#include "absl/time/time.h"
#include "consent/v1/admin.grpc.pb.h"
#include "service/core/consent_registry.h"

namespace consentd::api {

class AdminServiceImpl final : public consent::v1::AdminService::Service {
 public:
  // `registry` must outlive the service.
  AdminServiceImpl(const core::ConsentRegistry* registry, absl::Time started_at)
      : registry_(registry), started_at_(started_at) {}

  grpc::Status GetStatus(grpc::ServerContext* context,
                         const consent::v1::GetStatusRequest* request,
                         consent::v1::GetStatusResponse* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context,
                         const consent::v1::GetPolicyRequest* request,
                         consent::v1::Policy* response) override;

 private:
  const core::ConsentRegistry* const registry_;
  const absl::Time started_at_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_ADMIN_SERVICE_H_
