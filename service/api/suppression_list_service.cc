#include "service/api/suppression_list_service.h"

#include "consent/v1/suppression.grpc.pb.h"
#include "rpc/grpc_status.h"
#include "service/api/admission.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;

grpc::Status ImportList(core::ListRegistry* lists, const rpc::Caller& caller,
                        rpc::CallStream& stream) {
  v1::ImportListRequest message;
  if (!stream.Read(&message) || !message.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be the header");
  }
  auto import = lists->BeginImport(CallerOf(caller), message.header());
  if (!import.ok()) return rpc::ToGrpcStatus(import.status());
  while (stream.Read(&message)) {
    absl::Status added;
    if (message.has_identifier()) {
      added = (*import)->Add(message.identifier());
    } else if (message.has_entries()) {
      added = (*import)->AddAll(message.entries());
    } else {
      added = absl::InvalidArgumentError(
          "after the header, every message holds entries");
    }
    if (!added.ok()) return rpc::ToGrpcStatus(added);
  }
  // The stream also ends when the client goes away: only a completed
  // stream is a whole list.
  if (stream.Broken()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "import cancelled; the list in force is unchanged");
  }
  v1::SuppressionList published;
  absl::Status finished = rpc::MoveInto((*import)->Finish(), &published);
  if (finished.ok()) stream.Write(published);
  return rpc::ToGrpcStatus(finished);
}

}  // namespace

void AddSuppressionListService(core::ConsentCore* consent_core,
                               rpc::MethodTable* methods) {
  const char* service = v1::SuppressionListService::service_full_name();
  core::ListRegistry* lists = &consent_core->list_registry();
  methods->AddStream(
      service, "ImportList",
      [lists](const rpc::Caller& caller, rpc::CallStream& stream) {
        return ImportList(lists, caller, stream);
      });
  methods->AddUnary<v1::ListListsRequest, v1::ListListsResponse>(
      service, "ListLists", rpc::MethodTable::Runs::kOnHandlerThread,
      [lists](const rpc::Caller&, const v1::ListListsRequest&,
              v1::ListListsResponse* response) {
        return rpc::MoveInto(lists->Describe(), response);
      });
  methods->AddUnary<v1::DropListRequest, v1::DropListResponse>(
      service, "DropList", rpc::MethodTable::Runs::kOnHandlerThread,
      [lists](const rpc::Caller& caller, const v1::DropListRequest& request,
              v1::DropListResponse* response) {
        return rpc::MoveInto(lists->Drop(CallerOf(caller), request.name()),
                             response);
      });
}

}  // namespace consentd::api
