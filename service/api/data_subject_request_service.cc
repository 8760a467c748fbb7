#include "service/api/data_subject_request_service.h"

#include "consent/v1/requests.grpc.pb.h"
#include "service/api/admission.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;

// A method answered by one of the desk's calls, on a handler thread.
template <typename Request, typename Response>
void AddDeskMethod(core::RequestDesk* desk, const char* method,
                   absl::StatusOr<Response> (core::RequestDesk::*call)(
                       const access::Caller&, const Request&),
                   rpc::MethodTable* methods) {
  methods->AddUnary<Request, Response>(
      v1::DataSubjectRequestService::service_full_name(), method,
      rpc::MethodTable::Runs::kOnHandlerThread,
      [desk, call](const rpc::Caller& caller, const Request& request,
                   Response* response) {
        return rpc::MoveInto((desk->*call)(CallerOf(caller), request),
                             response);
      });
}

}  // namespace

void AddDataSubjectRequestService(core::ConsentCore* consent_core,
                                  rpc::MethodTable* methods) {
  core::RequestDesk* desk = &consent_core->request_desk();
  AddDeskMethod(desk, "OpenRequest", &core::RequestDesk::Open, methods);
  AddDeskMethod(desk, "VerifyIdentity", &core::RequestDesk::VerifyIdentity,
                methods);
  AddDeskMethod(desk, "ExtendRequest", &core::RequestDesk::Extend, methods);
  AddDeskMethod(desk, "RejectRequest", &core::RequestDesk::Reject, methods);
  AddDeskMethod(desk, "CompleteRequest", &core::RequestDesk::Complete, methods);
  AddDeskMethod(desk, "ExportSubject", &core::RequestDesk::Export, methods);
  AddDeskMethod(desk, "LiftRestriction", &core::RequestDesk::LiftRestriction,
                methods);
  const char* service = v1::DataSubjectRequestService::service_full_name();
  methods->AddUnary<v1::GetRequestRequest, v1::DataSubjectRequest>(
      service, "GetRequest", rpc::MethodTable::Runs::kOnHandlerThread,
      [desk](const rpc::Caller&, const v1::GetRequestRequest& request,
             v1::DataSubjectRequest* response) {
        return rpc::MoveInto(desk->Get(request.request_id()), response);
      });
  methods->AddUnary<v1::ListRequestsRequest, v1::ListRequestsResponse>(
      service, "ListRequests", rpc::MethodTable::Runs::kOnHandlerThread,
      [desk](const rpc::Caller&, const v1::ListRequestsRequest& request,
             v1::ListRequestsResponse* response) {
        return rpc::MoveInto(desk->List(request), response);
      });
}

}  // namespace consentd::api
