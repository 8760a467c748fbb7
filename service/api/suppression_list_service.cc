#include "service/api/suppression_list_service.h"

#include "service/api/grpc_status.h"

namespace consentd::api {

grpc::Status SuppressionListServiceImpl::ImportList(
    grpc::ServerContext* context,
    grpc::ServerReader<consent::v1::ImportListRequest>* reader,
    consent::v1::SuppressionList* response) {
  consent::v1::ImportListRequest message;
  if (!reader->Read(&message) || !message.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be the header");
  }
  auto import = registry_->list_registry().BeginImport(message.header());
  if (!import.ok()) return ToGrpcStatus(import.status());
  while (reader->Read(&message)) {
    if (!message.has_identifier()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after the header, every message is an identifier");
    }
    if (absl::Status s = (*import)->Add(message.identifier()); !s.ok()) {
      return ToGrpcStatus(s);
    }
  }
  // The stream also ends when the client goes away: only a completed
  // stream is a whole list.
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "import cancelled; the list in force is unchanged");
  }
  return Reply((*import)->Finish(), response);
}

grpc::Status SuppressionListServiceImpl::ListLists(
    grpc::ServerContext*, const consent::v1::ListListsRequest*,
    consent::v1::ListListsResponse* response) {
  return Reply(registry_->list_registry().Describe(), response);
}

grpc::Status SuppressionListServiceImpl::DropList(
    grpc::ServerContext*, const consent::v1::DropListRequest* request,
    consent::v1::DropListResponse*) {
  return ToGrpcStatus(registry_->list_registry().Drop(request->name()));
}

}  // namespace consentd::api
