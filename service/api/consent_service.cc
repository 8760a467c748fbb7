#include "service/api/consent_service.h"

#include "service/api/grpc_status.h"

namespace consentd::api {

ConsentServiceImpl::ConsentServiceImpl(core::ConsentRegistry* registry)
    : registry_(registry) {
  SetMessageAllocatorFor_Check(&check_messages_);
  SetMessageAllocatorFor_CheckBatch(&batch_messages_);
}

grpc::ServerUnaryReactor* ConsentServiceImpl::RecordConsent(
    grpc::CallbackServerContext* context,
    const consent::v1::RecordConsentRequest* request,
    consent::v1::RecordConsentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The response lives until Finish.
  registry_->ledger().RecordConsent(
      *request, [reactor, response](
                    absl::StatusOr<consent::v1::RecordConsentResponse> result) {
        reactor->Finish(Reply(std::move(result), response));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsentServiceImpl::RecordObjection(
    grpc::CallbackServerContext* context,
    const consent::v1::RecordObjectionRequest* request,
    consent::v1::RecordObjectionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  registry_->ledger().RecordObjection(
      *request,
      [reactor,
       response](absl::StatusOr<consent::v1::RecordObjectionResponse> result) {
        reactor->Finish(Reply(std::move(result), response));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ConsentServiceImpl::Check(
    grpc::CallbackServerContext* context,
    const consent::v1::CheckRequest* request,
    consent::v1::CheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(registry_->checker().Check(*request, response)));
  return reactor;
}

grpc::ServerUnaryReactor* ConsentServiceImpl::CheckBatch(
    grpc::CallbackServerContext* context,
    const consent::v1::CheckBatchRequest* request,
    consent::v1::CheckBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(
      ToGrpcStatus(registry_->checker().CheckBatch(*request, response)));
  return reactor;
}

grpc::Status ConsentServiceImpl::GetRecord(
    grpc::ServerContext*, const consent::v1::GetRecordRequest* request,
    consent::v1::GetRecordResponse* response) {
  return Reply(registry_->ledger().GetRecord(*request), response);
}

}  // namespace consentd::api
