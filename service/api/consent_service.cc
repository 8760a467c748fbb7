#include "service/api/consent_service.h"

#include "base/status_macros.h"
#include "consent/v1/consent.grpc.pb.h"
#include "service/api/admission.h"
#include "service/api/response_shaping.h"

namespace consentd::api {
namespace {

// `done`, answering with the write's response shaped for `caller`.
template <typename Response>
rpc::MethodTable::Done<Response> Shaped(const rpc::Caller& caller,
                                        rpc::MethodTable::Done<Response> done) {
  return [who = CallerOf(caller),
          done = std::move(done)](absl::StatusOr<Response> result) mutable {
    if (result.ok()) ShapeWrite(who, &*result);
    std::move(done)(std::move(result));
  };
}

}  // namespace

void AddConsentService(core::ConsentCore* consent_core,
                       rpc::MethodTable* methods) {
  namespace v1 = ::consent::v1;
  const char* service = v1::ConsentService::service_full_name();
  methods->AddDeferred<v1::RecordConsentRequest, v1::RecordConsentResponse>(
      service, "RecordConsent",
      [consent_core](const rpc::Caller& caller,
                     const v1::RecordConsentRequest& request,
                     rpc::MethodTable::Done<v1::RecordConsentResponse> done) {
        consent_core->ledger().RecordConsent(CallerOf(caller), request,
                                             Shaped(caller, std::move(done)));
      });
  methods->AddDeferred<v1::RecordObjectionRequest, v1::RecordObjectionResponse>(
      service, "RecordObjection",
      [consent_core](const rpc::Caller& caller,
                     const v1::RecordObjectionRequest& request,
                     rpc::MethodTable::Done<v1::RecordObjectionResponse> done) {
        consent_core->ledger().RecordObjection(CallerOf(caller), request,
                                               Shaped(caller, std::move(done)));
      },
      // A refusal goes before every other write and may take the room the
      // write queue keeps for it.
      rpc::MethodTable::Priority::kUrgent);
  methods->AddUnary<v1::CheckRequest, v1::CheckResponse>(
      service, "Check", rpc::MethodTable::Runs::kInline,
      [consent_core](const rpc::Caller& caller, const v1::CheckRequest& request,
                     v1::CheckResponse* response) {
        RETURN_IF_ERROR(consent_core->checker().Check(request, response));
        ShapeDecision(CallerOf(caller), response->mutable_decision());
        return absl::OkStatus();
      });
  methods->AddUnary<v1::CheckBatchRequest, v1::CheckBatchResponse>(
      service, "CheckBatch", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller& caller,
                     const v1::CheckBatchRequest& request,
                     v1::CheckBatchResponse* response) {
        RETURN_IF_ERROR(consent_core->checker().CheckBatch(request, response));
        for (v1::BatchDecision& decision : *response->mutable_decisions()) {
          ShapeDecision(CallerOf(caller), decision.mutable_decision());
        }
        return absl::OkStatus();
      });
  methods->AddUnary<v1::GetRecordRequest, v1::GetRecordResponse>(
      service, "GetRecord", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller& caller,
                     const v1::GetRecordRequest& request,
                     v1::GetRecordResponse* response) {
        return rpc::MoveInto(
            consent_core->ledger().GetRecord(CallerOf(caller), request),
            response);
      });
}

}  // namespace consentd::api
