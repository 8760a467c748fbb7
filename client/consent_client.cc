#include "client/consent_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>

namespace consentd::client {

ConsentClient::ConsentClient(const std::string& address, absl::Duration timeout)
    : channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      consent_(consent::v1::ConsentService::NewStub(channel_)),
      admin_(consent::v1::AdminService::NewStub(channel_)),
      timeout_(timeout) {}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> ConsentClient::Call(
    Stub* stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout_));
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

absl::StatusOr<consent::v1::RecordConsentResponse> ConsentClient::RecordConsent(
    const consent::v1::RecordConsentRequest& request) const {
  return Call(consent_.get(), &consent::v1::ConsentService::Stub::RecordConsent,
              request);
}

absl::StatusOr<consent::v1::RecordObjectionResponse>
ConsentClient::RecordObjection(
    const consent::v1::RecordObjectionRequest& request) const {
  return Call(consent_.get(),
              &consent::v1::ConsentService::Stub::RecordObjection, request);
}

absl::StatusOr<consent::v1::CheckResponse> ConsentClient::Check(
    const consent::v1::CheckRequest& request) const {
  return Call(consent_.get(), &consent::v1::ConsentService::Stub::Check,
              request);
}

absl::StatusOr<consent::v1::CheckBatchResponse> ConsentClient::CheckBatch(
    const consent::v1::CheckBatchRequest& request) const {
  return Call(consent_.get(), &consent::v1::ConsentService::Stub::CheckBatch,
              request);
}

absl::StatusOr<consent::v1::GetRecordResponse> ConsentClient::GetRecord(
    const consent::v1::GetRecordRequest& request) const {
  return Call(consent_.get(), &consent::v1::ConsentService::Stub::GetRecord,
              request);
}

absl::StatusOr<consent::v1::GetStatusResponse> ConsentClient::GetStatus()
    const {
  return Call(admin_.get(), &consent::v1::AdminService::Stub::GetStatus,
              consent::v1::GetStatusRequest());
}

absl::StatusOr<consent::v1::Policy> ConsentClient::GetPolicy() const {
  return Call(admin_.get(), &consent::v1::AdminService::Stub::GetPolicy,
              consent::v1::GetPolicyRequest());
}

}  // namespace consentd::client
