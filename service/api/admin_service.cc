#include "service/api/admin_service.h"

#include "google/protobuf/util/time_util.h"
#include "service/version.h"

namespace consentd::api {

grpc::Status AdminServiceImpl::GetStatus(
    grpc::ServerContext*, const consent::v1::GetStatusRequest*,
    consent::v1::GetStatusResponse* response) {
  response->set_version(kConsentdVersion);
  response->set_policy_version(registry_->policy().version());
  response->set_schema_version(registry_->schema_version());
  response->set_indexed_identifiers(
      static_cast<int64_t>(registry_->index().identifier_count()));
  response->set_facts(static_cast<int64_t>(registry_->index().fact_count()));
  response->set_suppression_list_entries(
      static_cast<int64_t>(registry_->lists().entry_count()));
  *response->mutable_started_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(started_at_));
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetPolicy(grpc::ServerContext*,
                                         const consent::v1::GetPolicyRequest*,
                                         consent::v1::Policy* response) {
  *response = registry_->policy().proto();
  return grpc::Status::OK;
}

}  // namespace consentd::api
