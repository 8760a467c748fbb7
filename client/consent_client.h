// ConsentClient: a small C++ client for consentd's ConsentService,
// SuppressionListService, ScrubService, DataSubjectRequestService and
// AdminService. Every call has a
// deadline and returns absl::Status codes (the server's gRPC code and message,
// or UNAVAILABLE / DEADLINE_EXCEEDED when it cannot be reached).
//
// Example:
//   consentd::client::ConsentClient client("127.0.0.1:50051");
//   consent::v1::CheckRequest request;
//   request.add_identifiers()->set_phone("031 123 456");
//   request.set_default_region("SI");
//   request.set_purpose("marketing");
//   request.set_channel("phone");
//   absl::StatusOr<consent::v1::CheckResponse> answer = client.Check(request);
//
// Thread-safety: safe for concurrent calls.
#ifndef CONSENTD_CLIENT_CONSENT_CLIENT_H_
#define CONSENTD_CLIENT_CONSENT_CLIENT_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "consent/v1/admin.grpc.pb.h"
#include "consent/v1/consent.grpc.pb.h"
#include "consent/v1/requests.grpc.pb.h"
#include "consent/v1/scrub.grpc.pb.h"
#include "consent/v1/suppression.grpc.pb.h"

namespace consentd::client {

class ConsentClient {
 public:
  // Connects lazily to `address` ("host:port"), without TLS: consentd
  // serves plaintext on loopback only.
  explicit ConsentClient(const std::string& address,
                         absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<consent::v1::RecordConsentResponse> RecordConsent(
      const consent::v1::RecordConsentRequest& request) const;
  absl::StatusOr<consent::v1::RecordObjectionResponse> RecordObjection(
      const consent::v1::RecordObjectionRequest& request) const;
  absl::StatusOr<consent::v1::CheckResponse> Check(
      const consent::v1::CheckRequest& request) const;
  absl::StatusOr<consent::v1::CheckBatchResponse> CheckBatch(
      const consent::v1::CheckBatchRequest& request) const;
  absl::StatusOr<consent::v1::GetRecordResponse> GetRecord(
      const consent::v1::GetRecordRequest& request) const;
  absl::StatusOr<consent::v1::GetStatusResponse> GetStatus() const;

  // Streams a new version of a suppression list. `next` fills in one
  // identifier and returns true, returns false when there are no more, or
  // returns an error to abandon the import: the stream is then cancelled,
  // the server publishes nothing, and that error is returned. Its deadline
  // is kImportTimeout, not the per-call timeout.
  absl::StatusOr<consent::v1::SuppressionList> ImportList(
      const consent::v1::ImportListHeader& header,
      absl::FunctionRef<absl::StatusOr<bool>(consent::v1::Identifier*)> next)
      const;
  absl::StatusOr<consent::v1::ListListsResponse> ListLists() const;
  absl::Status DropList(const std::string& name) const;

  // Scrubs a list. `next` fills in one row and returns true, returns false
  // at the end of the list, or returns an error to abandon the scrub (the
  // stream is cancelled, no receipt is issued, and that error is returned).
  // `on_result` receives each row's result, in order. `next` runs on a
  // thread of its own, `on_result` on the calling thread. Returns the
  // signed receipt. Its deadline is kImportTimeout.
  absl::StatusOr<consent::v1::ScrubReceipt> Scrub(
      const consent::v1::ScrubHeader& header,
      absl::FunctionRef<absl::StatusOr<bool>(consent::v1::ScrubRow*)> next,
      absl::FunctionRef<void(const consent::v1::ScrubRowResult&)> on_result)
      const;
  absl::StatusOr<consent::v1::ScrubReceipt> GetReceipt(
      const std::string& receipt_id) const;
  absl::StatusOr<consent::v1::ReceiptKey> GetReceiptKey() const;

  // Data-subject requests.
  absl::StatusOr<consent::v1::DataSubjectRequest> OpenRequest(
      const consent::v1::OpenRequestRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> VerifyIdentity(
      const consent::v1::VerifyIdentityRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> ExtendRequest(
      const consent::v1::ExtendRequestRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> RejectRequest(
      const consent::v1::RejectRequestRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> CompleteRequest(
      const consent::v1::CompleteRequestRequest& request) const;
  absl::StatusOr<consent::v1::ExportSubjectResponse> ExportSubject(
      const consent::v1::ExportSubjectRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> LiftRestriction(
      const consent::v1::LiftRestrictionRequest& request) const;
  absl::StatusOr<consent::v1::DataSubjectRequest> GetRequest(
      const std::string& request_id) const;
  absl::StatusOr<consent::v1::ListRequestsResponse> ListRequests(
      const consent::v1::ListRequestsRequest& request) const;

  static constexpr absl::Duration kImportTimeout = absl::Hours(1);
  absl::StatusOr<consent::v1::Policy> GetPolicy() const;

 private:
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      Stub* stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<consent::v1::ConsentService::Stub> consent_;
  std::unique_ptr<consent::v1::AdminService::Stub> admin_;
  std::unique_ptr<consent::v1::SuppressionListService::Stub> lists_;
  std::unique_ptr<consent::v1::ScrubService::Stub> scrub_;
  std::unique_ptr<consent::v1::DataSubjectRequestService::Stub> requests_;
  absl::Duration timeout_;
};

}  // namespace consentd::client

#endif  // CONSENTD_CLIENT_CONSENT_CLIENT_H_
