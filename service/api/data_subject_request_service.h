// DataSubjectRequestServiceImpl: the gRPC face of the request desk.
#ifndef CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_
#define CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_

#include "consent/v1/requests.grpc.pb.h"
#include "service/core/consent_registry.h"

namespace consentd::api {

class DataSubjectRequestServiceImpl final
    : public consent::v1::DataSubjectRequestService::Service {
 public:
  // `registry` must outlive the service.
  explicit DataSubjectRequestServiceImpl(core::ConsentRegistry* registry)
      : registry_(registry) {}

  grpc::Status OpenRequest(grpc::ServerContext* context,
                           const consent::v1::OpenRequestRequest* request,
                           consent::v1::DataSubjectRequest* response) override;
  grpc::Status VerifyIdentity(
      grpc::ServerContext* context,
      const consent::v1::VerifyIdentityRequest* request,
      consent::v1::DataSubjectRequest* response) override;
  grpc::Status ExtendRequest(
      grpc::ServerContext* context,
      const consent::v1::ExtendRequestRequest* request,
      consent::v1::DataSubjectRequest* response) override;
  grpc::Status RejectRequest(
      grpc::ServerContext* context,
      const consent::v1::RejectRequestRequest* request,
      consent::v1::DataSubjectRequest* response) override;
  grpc::Status CompleteRequest(
      grpc::ServerContext* context,
      const consent::v1::CompleteRequestRequest* request,
      consent::v1::DataSubjectRequest* response) override;
  grpc::Status GetRequest(grpc::ServerContext* context,
                          const consent::v1::GetRequestRequest* request,
                          consent::v1::DataSubjectRequest* response) override;
  grpc::Status ListRequests(
      grpc::ServerContext* context,
      const consent::v1::ListRequestsRequest* request,
      consent::v1::ListRequestsResponse* response) override;
  grpc::Status ExportSubject(
      grpc::ServerContext* context,
      const consent::v1::ExportSubjectRequest* request,
      consent::v1::ExportSubjectResponse* response) override;
  grpc::Status LiftRestriction(
      grpc::ServerContext* context,
      const consent::v1::LiftRestrictionRequest* request,
      consent::v1::DataSubjectRequest* response) override;

 private:
  core::ConsentRegistry* const registry_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_DATA_SUBJECT_REQUEST_SERVICE_H_
