// SuppressionListServiceImpl: the gRPC face of the list registry. ImportList
// reads the header, then entries, and publishes only when the client
// completes the stream; a cancelled or broken stream publishes nothing.
#ifndef CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_
#define CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_

#include "consent/v1/suppression.grpc.pb.h"
#include "service/core/consent_registry.h"

namespace consentd::api {

class SuppressionListServiceImpl final
    : public consent::v1::SuppressionListService::Service {
 public:
  // `registry` must outlive the service.
  explicit SuppressionListServiceImpl(core::ConsentRegistry* registry)
      : registry_(registry) {}

  grpc::Status ImportList(
      grpc::ServerContext* context,
      grpc::ServerReader<consent::v1::ImportListRequest>* reader,
      consent::v1::SuppressionList* response) override;
  grpc::Status ListLists(grpc::ServerContext* context,
                         const consent::v1::ListListsRequest* request,
                         consent::v1::ListListsResponse* response) override;
  grpc::Status DropList(grpc::ServerContext* context,
                        const consent::v1::DropListRequest* request,
                        consent::v1::DropListResponse* response) override;

 private:
  core::ConsentRegistry* const registry_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_SUPPRESSION_LIST_SERVICE_H_
