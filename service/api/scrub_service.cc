#include "service/api/scrub_service.h"

#include "consent/v1/scrub.grpc.pb.h"
#include "rpc/grpc_status.h"
#include "service/api/admission.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;

grpc::Status Scrub(const core::Scrubber& scrubber, const rpc::Caller& caller,
                   rpc::CallStream& stream) {
  v1::ScrubRequest request;
  if (!stream.Read(&request) || !request.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be the header");
  }
  auto session = scrubber.Begin(request.header(), CallerOf(caller));
  if (!session.ok()) return rpc::ToGrpcStatus(session.status());

  v1::ScrubResponse response;
  while (stream.Read(&request)) {
    if (!request.has_rows()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after the header, every message holds rows");
    }
    response.mutable_rows()->Clear();
    absl::Status decided =
        (*session)->Decide(request.rows(), response.mutable_rows());
    if (!decided.ok()) return rpc::ToGrpcStatus(decided);
    if (!stream.Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading; no receipt issued");
    }
  }
  if (stream.Broken()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "scrub cancelled; no receipt issued");
  }
  absl::StatusOr<v1::ScrubReceipt> receipt = (*session)->Finish();
  if (!receipt.ok()) return rpc::ToGrpcStatus(receipt.status());
  *response.mutable_receipt() = *std::move(receipt);
  stream.Write(response);
  return grpc::Status::OK;
}

}  // namespace

void AddScrubService(const core::ConsentCore* consent_core,
                     rpc::MethodTable* methods) {
  const char* service = v1::ScrubService::service_full_name();
  const core::Scrubber* scrubber = &consent_core->scrubber();
  methods->AddStream(
      service, "Scrub",
      [scrubber](const rpc::Caller& caller, rpc::CallStream& stream) {
        return Scrub(*scrubber, caller, stream);
      });
  methods->AddUnary<v1::GetReceiptRequest, v1::ScrubReceipt>(
      service, "GetReceipt", rpc::MethodTable::Runs::kOnHandlerThread,
      [scrubber](const rpc::Caller&, const v1::GetReceiptRequest& request,
                 v1::ScrubReceipt* response) {
        return rpc::MoveInto(scrubber->Receipt(request.receipt_id()), response);
      });
  methods->AddUnary<v1::GetReceiptKeyRequest, v1::ReceiptKey>(
      service, "GetReceiptKey", rpc::MethodTable::Runs::kInline,
      [scrubber](const rpc::Caller&, const v1::GetReceiptKeyRequest& request,
                 v1::ReceiptKey* response) -> absl::Status {
        if (request.key_id().empty()) {
          *response = scrubber->receipt_key();
          return absl::OkStatus();
        }
        return rpc::MoveInto(scrubber->ReceiptKey(request.key_id()), response);
      });
}

}  // namespace consentd::api
