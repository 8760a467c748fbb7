#include "service/api/audit_service.h"

#include <algorithm>
#include <vector>

#include "consent/v1/audit.grpc.pb.h"
#include "rpc/grpc_status.h"
#include "service/core/audit_entries.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;

grpc::Status ListAuditEntries(store::AuditTrail& trail,
                              rpc::CallStream& stream) {
  v1::ListAuditEntriesRequest request;
  if (!stream.Read(&request)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a ListAuditEntriesRequest is required");
  }
  if (request.from_sequence() < 0 || request.max_entries() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "from_sequence and max_entries must not be negative");
  }
  int64_t left =
      request.max_entries() == 0
          ? core::kMaxAuditEntriesPerCall
          : std::min(request.max_entries(), core::kMaxAuditEntriesPerCall);
  int64_t next = std::max<int64_t>(request.from_sequence(), 1);
  while (left > 0) {
    absl::StatusOr<std::vector<v1::AuditEntry>> page =
        core::ReadAuditEntries(trail, next, left);
    if (!page.ok()) return rpc::ToGrpcStatus(page.status());
    for (const v1::AuditEntry& entry : *page) {
      if (!stream.Write(entry)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the call ended");
      }
    }
    if (static_cast<int64_t>(page->size()) < core::kAuditEntriesPerPage) {
      break;
    }
    left -= static_cast<int64_t>(page->size());
    next = page->back().sequence() + 1;
  }
  return grpc::Status::OK;
}

}  // namespace

void AddAuditService(core::ConsentCore* consent_core,
                     rpc::MethodTable* methods) {
  const char* service = v1::AuditService::service_full_name();
  store::AuditTrail* trail = &consent_core->audit_trail();
  core::AuditNotary* notary = &consent_core->audit_notary();
  methods->AddStream(service, "ListAuditEntries",
                     [trail](const rpc::Caller&, rpc::CallStream& stream) {
                       return ListAuditEntries(*trail, stream);
                     });
  methods->AddUnary<v1::GetCheckpointRequest, v1::AuditCheckpoint>(
      service, "GetCheckpoint", rpc::MethodTable::Runs::kOnHandlerThread,
      [trail, notary](const rpc::Caller&,
                      const v1::GetCheckpointRequest& request,
                      v1::AuditCheckpoint* response) -> absl::Status {
        if (request.sequence() < 0) {
          return absl::InvalidArgumentError("sequence must not be negative");
        }
        return rpc::MoveInto(request.sequence() == 0
                                 ? notary->Checkpoint()
                                 : trail->Checkpoint(request.sequence()),
                             response);
      });
  methods->AddUnary<v1::VerifyAuditRequest, v1::VerifyAuditResponse>(
      service, "VerifyAudit", rpc::MethodTable::Runs::kOnHandlerThread,
      [notary](const rpc::Caller&, const v1::VerifyAuditRequest&,
               v1::VerifyAuditResponse* response) {
        return rpc::MoveInto(notary->Verify(), response);
      });
}

}  // namespace consentd::api
