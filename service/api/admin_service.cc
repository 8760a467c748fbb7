#include "service/api/admin_service.h"

#include "consent/v1/admin.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "rpc/grpc_status.h"
#include "service/api/admission.h"
#include "service/version.h"

namespace consentd::api {

void AddAdminService(core::ConsentCore* consent_core, absl::Time started_at,
                     rpc::MethodTable* methods) {
  namespace v1 = ::consent::v1;
  const char* service = v1::AdminService::service_full_name();
  methods->AddUnary<v1::GetStatusRequest, v1::GetStatusResponse>(
      service, "GetStatus", rpc::MethodTable::Runs::kInline,
      [consent_core, started_at](const rpc::Caller&,
                                 const v1::GetStatusRequest&,
                                 v1::GetStatusResponse* response) {
        response->set_version(kConsentdVersion);
        response->set_policy_version(consent_core->policy()->version());
        response->set_schema_version(consent_core->schema_version());
        response->set_indexed_identifiers(
            static_cast<int64_t>(consent_core->index().identifier_count()));
        response->set_facts(
            static_cast<int64_t>(consent_core->index().fact_count()));
        response->set_suppression_list_entries(
            static_cast<int64_t>(consent_core->lists().entry_count()));
        *response->mutable_started_at() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
                absl::ToUnixMicros(started_at));
        response->set_database_key_version(
            consent_core->database_key_version());
        response->set_signing_key_version(consent_core->signing_key_version());
        response->set_audit_anchor_failures(
            consent_core->audit_notary().anchor_failures());
        return absl::OkStatus();
      });
  methods->AddUnary<v1::RekeyRequest, v1::RekeyResponse>(
      service, "Rekey", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller& caller, const v1::RekeyRequest& request,
                     v1::RekeyResponse* response) -> absl::Status {
        if (request.database_key_version() < 0) {
          return absl::InvalidArgumentError(
              "database_key_version must not be negative");
        }
        return rpc::MoveInto(
            consent_core->Rekey(CallerOf(caller),
                                request.database_key_version()),
            response);
      });
  methods->AddUnary<v1::BackupRequest, v1::BackupResponse>(
      service, "Backup", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller& caller,
                     const v1::BackupRequest& request,
                     v1::BackupResponse* response) -> absl::Status {
        return rpc::MoveInto(
            consent_core->Backup(CallerOf(caller), request.file_name()),
            response);
      });
  methods->AddUnary<v1::GetPolicyRequest, v1::Policy>(
      service, "GetPolicy", rpc::MethodTable::Runs::kInline,
      [consent_core](const rpc::Caller&, const v1::GetPolicyRequest&,
                     v1::Policy* response) {
        *response = consent_core->policy()->proto();
        return absl::OkStatus();
      });
}

}  // namespace consentd::api
