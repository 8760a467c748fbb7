// ScrubServiceImpl: the gRPC face of the scrubber. Scrub reads the header,
// then answers each message of rows as it arrives (the stream's flow control
// keeps either side from holding the whole list), and sends the signed receipt
// only when the client has completed its side; a cancelled scrub produces
// no receipt.
#ifndef CONSENTD_SERVICE_API_SCRUB_SERVICE_H_
#define CONSENTD_SERVICE_API_SCRUB_SERVICE_H_

#include "consent/v1/scrub.grpc.pb.h"
#include "service/core/consent_registry.h"

namespace consentd::api {

class ScrubServiceImpl final : public consent::v1::ScrubService::Service {
 public:
  // `registry` must outlive the service.
  explicit ScrubServiceImpl(const core::ConsentRegistry* registry)
      : registry_(registry) {}

  grpc::Status Scrub(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<consent::v1::ScrubResponse,
                               consent::v1::ScrubRequest>* stream) override;
  grpc::Status GetReceipt(grpc::ServerContext* context,
                          const consent::v1::GetReceiptRequest* request,
                          consent::v1::ScrubReceipt* response) override;
  grpc::Status GetReceiptKey(grpc::ServerContext* context,
                             const consent::v1::GetReceiptKeyRequest* request,
                             consent::v1::ReceiptKey* response) override;

 private:
  const core::ConsentRegistry* const registry_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_SCRUB_SERVICE_H_
