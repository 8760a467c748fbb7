#include "service/api/data_subject_request_service.h"

#include "service/api/grpc_status.h"

namespace consentd::api {

grpc::Status DataSubjectRequestServiceImpl::OpenRequest(
    grpc::ServerContext*, const consent::v1::OpenRequestRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().Open(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::VerifyIdentity(
    grpc::ServerContext*, const consent::v1::VerifyIdentityRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().VerifyIdentity(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::ExtendRequest(
    grpc::ServerContext*, const consent::v1::ExtendRequestRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().Extend(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::RejectRequest(
    grpc::ServerContext*, const consent::v1::RejectRequestRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().Reject(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::CompleteRequest(
    grpc::ServerContext*, const consent::v1::CompleteRequestRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().Complete(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::GetRequest(
    grpc::ServerContext*, const consent::v1::GetRequestRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().Get(request->request_id()), response);
}

grpc::Status DataSubjectRequestServiceImpl::ListRequests(
    grpc::ServerContext*, const consent::v1::ListRequestsRequest* request,
    consent::v1::ListRequestsResponse* response) {
  return Reply(registry_->request_desk().List(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::ExportSubject(
    grpc::ServerContext*, const consent::v1::ExportSubjectRequest* request,
    consent::v1::ExportSubjectResponse* response) {
  return Reply(registry_->request_desk().Export(*request), response);
}

grpc::Status DataSubjectRequestServiceImpl::LiftRestriction(
    grpc::ServerContext*, const consent::v1::LiftRestrictionRequest* request,
    consent::v1::DataSubjectRequest* response) {
  return Reply(registry_->request_desk().LiftRestriction(*request), response);
}

}  // namespace consentd::api
