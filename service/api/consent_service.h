// ConsentServiceImpl: the gRPC face of the ledger and the checker. Each
// handler hands the request to core and maps the result; validation and
// decisions live in core. ExplainCheck answers UNIMPLEMENTED until its issue
// lands.
#ifndef CONSENTD_SERVICE_API_CONSENT_SERVICE_H_
#define CONSENTD_SERVICE_API_CONSENT_SERVICE_H_

#include "consent/v1/consent.grpc.pb.h"
#include "service/api/arena_messages.h"
#include "service/core/consent_registry.h"

namespace consentd::api {

// Check, CheckBatch and the writes run on gRPC's callback API: no thread
// waits and none is started per call, as the sync server's thread manager
// does whenever every poller is busy. Checks answer at once from memory,
// with each call's messages on an arena; a write is validated and queued on
// gRPC's thread and answered by the commit queue once durable.
using ConsentServiceBase =
    consent::v1::ConsentService::WithCallbackMethod_RecordConsent<
        consent::v1::ConsentService::WithCallbackMethod_RecordObjection<
            consent::v1::ConsentService::WithCallbackMethod_Check<
                consent::v1::ConsentService::WithCallbackMethod_CheckBatch<
                    consent::v1::ConsentService::Service>>>>;

class ConsentServiceImpl final : public ConsentServiceBase {
 public:
  // `registry` must outlive the service.
  explicit ConsentServiceImpl(core::ConsentRegistry* registry);

  grpc::ServerUnaryReactor* RecordConsent(
      grpc::CallbackServerContext* context,
      const consent::v1::RecordConsentRequest* request,
      consent::v1::RecordConsentResponse* response) override;
  grpc::ServerUnaryReactor* RecordObjection(
      grpc::CallbackServerContext* context,
      const consent::v1::RecordObjectionRequest* request,
      consent::v1::RecordObjectionResponse* response) override;
  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const consent::v1::CheckRequest* request,
      consent::v1::CheckResponse* response) override;
  grpc::ServerUnaryReactor* CheckBatch(
      grpc::CallbackServerContext* context,
      const consent::v1::CheckBatchRequest* request,
      consent::v1::CheckBatchResponse* response) override;
  grpc::Status GetRecord(grpc::ServerContext* context,
                         const consent::v1::GetRecordRequest* request,
                         consent::v1::GetRecordResponse* response) override;

 private:
  core::ConsentRegistry* const registry_;
  ArenaMessages<consent::v1::CheckRequest, consent::v1::CheckResponse>
      check_messages_;
  ArenaMessages<consent::v1::CheckBatchRequest, consent::v1::CheckBatchResponse>
      batch_messages_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_CONSENT_SERVICE_H_
