#include "service/api/scrub_service.h"

#include "service/api/grpc_status.h"

namespace consentd::api {

grpc::Status ScrubServiceImpl::Scrub(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<consent::v1::ScrubResponse,
                             consent::v1::ScrubRequest>* stream) {
  consent::v1::ScrubRequest request;
  if (!stream->Read(&request) || !request.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be the header");
  }
  // No caller authentication yet (loopback only): the peer address names
  // the caller in the receipt.
  auto session = registry_->scrubber().Begin(request.header(), context->peer());
  if (!session.ok()) return ToGrpcStatus(session.status());

  consent::v1::ScrubResponse response;
  while (stream->Read(&request)) {
    if (!request.has_rows()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after the header, every message holds rows");
    }
    response.mutable_rows()->Clear();
    absl::Status decided =
        (*session)->Decide(request.rows(), response.mutable_rows());
    if (!decided.ok()) return ToGrpcStatus(decided);
    if (!stream->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading; no receipt issued");
    }
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "scrub cancelled; no receipt issued");
  }
  absl::StatusOr<consent::v1::ScrubReceipt> receipt = (*session)->Finish();
  if (!receipt.ok()) return ToGrpcStatus(receipt.status());
  *response.mutable_receipt() = *std::move(receipt);
  stream->Write(response);
  return grpc::Status::OK;
}

grpc::Status ScrubServiceImpl::GetReceipt(
    grpc::ServerContext*, const consent::v1::GetReceiptRequest* request,
    consent::v1::ScrubReceipt* response) {
  return Reply(registry_->scrubber().Receipt(request->receipt_id()), response);
}

grpc::Status ScrubServiceImpl::GetReceiptKey(
    grpc::ServerContext*, const consent::v1::GetReceiptKeyRequest*,
    consent::v1::ReceiptKey* response) {
  *response = registry_->scrubber().receipt_key();
  return grpc::Status::OK;
}

}  // namespace consentd::api
