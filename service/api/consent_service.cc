#include "service/api/consent_service.h"

#include "consent/v1/consent.grpc.pb.h"

namespace consentd::api {

void AddConsentService(core::ConsentCore* consent_core,
                       rpc::MethodTable* methods) {
  namespace v1 = ::consent::v1;
  const char* service = v1::ConsentService::service_full_name();
  methods->AddDeferred<v1::RecordConsentRequest, v1::RecordConsentResponse>(
      service, "RecordConsent",
      [consent_core](const rpc::Caller&,
                     const v1::RecordConsentRequest& request,
                     rpc::MethodTable::Done<v1::RecordConsentResponse> done) {
        consent_core->ledger().RecordConsent(request, std::move(done));
      });
  methods->AddDeferred<v1::RecordObjectionRequest, v1::RecordObjectionResponse>(
      service, "RecordObjection",
      [consent_core](const rpc::Caller&,
                     const v1::RecordObjectionRequest& request,
                     rpc::MethodTable::Done<v1::RecordObjectionResponse> done) {
        consent_core->ledger().RecordObjection(request, std::move(done));
      });
  methods->AddUnary<v1::CheckRequest, v1::CheckResponse>(
      service, "Check", rpc::MethodTable::Runs::kInline,
      [consent_core](const rpc::Caller&, const v1::CheckRequest& request,
                     v1::CheckResponse* response) {
        return consent_core->checker().Check(request, response);
      });
  methods->AddUnary<v1::CheckBatchRequest, v1::CheckBatchResponse>(
      service, "CheckBatch", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller&, const v1::CheckBatchRequest& request,
                     v1::CheckBatchResponse* response) {
        return consent_core->checker().CheckBatch(request, response);
      });
  methods->AddUnary<v1::GetRecordRequest, v1::GetRecordResponse>(
      service, "GetRecord", rpc::MethodTable::Runs::kOnHandlerThread,
      [consent_core](const rpc::Caller&, const v1::GetRecordRequest& request,
                     v1::GetRecordResponse* response) {
        return rpc::MoveInto(consent_core->ledger().GetRecord(request),
                             response);
      });
}

}  // namespace consentd::api
