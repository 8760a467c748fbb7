#include "client/consent_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <optional>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace consentd::client {
namespace {

// Rows go out in batches (the server takes up to 1,000 a message and 4 MiB):
// a gRPC message per row would cost more than deciding the row.
constexpr int kScrubRowsPerMessage = 500;
constexpr size_t kScrubBytesPerMessage = 1 << 20;
// List entries too, up to the server's 1,000 a message; an entry is at most
// a few hundred bytes, so a message stays far under 4 MiB.
constexpr int kImportEntriesPerMessage = 1'000;

absl::Status ToStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

std::shared_ptr<grpc::Channel> MakeChannel(const ConnectionOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  grpc::ChannelArguments arguments;
  if (!options.ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca;
    ssl.pem_cert_chain = options.certificate_chain;
    ssl.pem_private_key = options.private_key;
    credentials = grpc::SslCredentials(ssl);
    if (!options.server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.server_name);
    }
  }
  if (options.interceptors_for_testing) {
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        options.address, credentials, arguments,
        options.interceptors_for_testing());
  }
  return grpc::CreateCustomChannel(options.address, credentials, arguments);
}

// A fresh key for a write that names none: 128 random bits, hex.
std::string NewIdempotencyKey() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* bits ABSL_GUARDED_BY(mu) = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrCat(
      "c-", absl::Hex(absl::Uniform<uint64_t>(*bits), absl::kZeroPad16),
      absl::Hex(absl::Uniform<uint64_t>(*bits), absl::kZeroPad16));
}

ConnectionOptions PlainText(const std::string& address,
                            absl::Duration timeout) {
  ConnectionOptions options;
  options.address = address;
  options.timeout = timeout;
  return options;
}

}  // namespace

ConsentClient::ConsentClient(const ConnectionOptions& options)
    : channel_(MakeChannel(options)),
      consent_(consent::v1::ConsentService::NewStub(channel_)),
      admin_(consent::v1::AdminService::NewStub(channel_)),
      lists_(consent::v1::SuppressionListService::NewStub(channel_)),
      scrub_(consent::v1::ScrubService::NewStub(channel_)),
      requests_(consent::v1::DataSubjectRequestService::NewStub(channel_)),
      audit_(consent::v1::AuditService::NewStub(channel_)),
      authorization_(
          options.bearer_token.empty() ? "" : "Bearer " + options.bearer_token),
      timeout_(options.timeout),
      write_attempts_(std::max(options.write_attempts, 1)) {}

ConsentClient::ConsentClient(const std::string& address, absl::Duration timeout)
    : ConsentClient(PlainText(address, timeout)) {}

void ConsentClient::Prepare(grpc::ClientContext& context,
                            absl::Duration timeout) const {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
  if (!authorization_.empty()) {
    context.AddMetadata("authorization", authorization_);
  }
}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> ConsentClient::Call(
    Stub* stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request) const {
  grpc::ClientContext context;
  Prepare(context, timeout_);
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> ConsentClient::CallIdempotent(
    Stub* stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    Request request) const {
  if (request.idempotency_key().empty()) {
    request.set_idempotency_key(NewIdempotencyKey());
  }
  absl::BitGen jitter;
  absl::Duration backoff = absl::Milliseconds(100);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<Response> answer = Call(stub, method, request);
    // Unknown outcomes, and a server too busy to take the write now.
    const bool retry = absl::IsUnavailable(answer.status()) ||
                       absl::IsDeadlineExceeded(answer.status()) ||
                       absl::IsResourceExhausted(answer.status());
    if (!retry || attempt >= write_attempts_) return answer;
    absl::SleepFor(backoff * absl::Uniform(jitter, 0.5, 1.5));
    backoff *= 4;
  }
}

absl::StatusOr<consent::v1::RecordConsentResponse> ConsentClient::RecordConsent(
    const consent::v1::RecordConsentRequest& request) const {
  return CallIdempotent(consent_.get(),
                        &consent::v1::ConsentService::Stub::RecordConsent,
                        request);
}

absl::StatusOr<consent::v1::RecordObjectionResponse>
ConsentClient::RecordObjection(
    const consent::v1::RecordObjectionRequest& request) const {
  return CallIdempotent(consent_.get(),
                        &consent::v1::ConsentService::Stub::RecordObjection,
                        request);
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

absl::StatusOr<consent::v1::RekeyResponse> ConsentClient::Rekey(
    int version) const {
  grpc::ClientContext context;
  Prepare(context, kImportTimeout);
  consent::v1::RekeyRequest request;
  request.set_database_key_version(version);
  consent::v1::RekeyResponse response;
  grpc::Status status = admin_->Rekey(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<consent::v1::BackupResponse> ConsentClient::Backup(
    const std::string& file_name) const {
  grpc::ClientContext context;
  Prepare(context, kImportTimeout);
  consent::v1::BackupRequest request;
  request.set_file_name(file_name);
  consent::v1::BackupResponse response;
  grpc::Status status = admin_->Backup(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<consent::v1::Policy> ConsentClient::GetPolicy() const {
  return Call(admin_.get(), &consent::v1::AdminService::Stub::GetPolicy,
              consent::v1::GetPolicyRequest());
}

absl::StatusOr<consent::v1::SuppressionList> ConsentClient::ImportList(
    const consent::v1::ImportListHeader& header,
    absl::FunctionRef<absl::StatusOr<bool>(consent::v1::Identifier*)> next)
    const {
  grpc::ClientContext context;
  Prepare(context, kImportTimeout);
  consent::v1::SuppressionList response;
  std::unique_ptr<grpc::ClientWriter<consent::v1::ImportListRequest>> writer =
      lists_->ImportList(&context, &response);
  consent::v1::ImportListRequest message;
  *message.mutable_header() = header;
  bool open = writer->Write(message);
  bool more = true;
  while (open && more) {
    consent::v1::ImportListEntries* entries = message.mutable_entries();
    entries->Clear();
    while (more && entries->identifiers_size() < kImportEntriesPerMessage) {
      absl::StatusOr<bool> next_entry = next(entries->add_identifiers());
      if (!next_entry.ok()) {
        context.TryCancel();
        (void)writer->Finish();
        return next_entry.status();
      }
      more = *next_entry;
      if (!more) entries->mutable_identifiers()->RemoveLast();
    }
    if (entries->identifiers_size() > 0) open = writer->Write(message);
  }
  // A failed Write means the server already ended the call; Finish says why.
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<consent::v1::ListListsResponse> ConsentClient::ListLists()
    const {
  return Call(lists_.get(),
              &consent::v1::SuppressionListService::Stub::ListLists,
              consent::v1::ListListsRequest());
}

absl::StatusOr<consent::v1::DropListResponse> ConsentClient::DropList(
    const std::string& name) const {
  consent::v1::DropListRequest request;
  request.set_name(name);
  return Call(lists_.get(),
              &consent::v1::SuppressionListService::Stub::DropList, request);
}

absl::StatusOr<consent::v1::ScrubReceipt> ConsentClient::Scrub(
    const consent::v1::ScrubHeader& header,
    absl::FunctionRef<absl::StatusOr<bool>(consent::v1::ScrubRow*)> next,
    absl::FunctionRef<void(const consent::v1::ScrubRowResult&)> on_result)
    const {
  grpc::ClientContext context;
  Prepare(context, kImportTimeout);
  auto stream = scrub_->Scrub(&context);
  absl::Status abandoned;
  // Rows go out on their own thread while results come back on this one:
  // with flow control on both directions, neither may wait for the other.
  std::thread writer([&] {
    consent::v1::ScrubRequest request;
    *request.mutable_header() = header;
    bool open = stream->Write(request);
    bool more = true;
    while (open && more) {
      consent::v1::ScrubRows* rows = request.mutable_rows();
      rows->Clear();
      size_t bytes = 0;
      while (rows->rows_size() < kScrubRowsPerMessage &&
             bytes < kScrubBytesPerMessage) {
        consent::v1::ScrubRow* row = rows->add_rows();
        absl::StatusOr<bool> next_row = next(row);
        if (!next_row.ok()) {
          abandoned = next_row.status();
          context.TryCancel();
          return;
        }
        if (!*next_row) {
          rows->mutable_rows()->RemoveLast();
          more = false;
          break;
        }
        bytes += row->ByteSizeLong();
      }
      if (rows->rows_size() > 0) open = stream->Write(request);
    }
    if (open) stream->WritesDone();
  });
  std::optional<consent::v1::ScrubReceipt> receipt;
  consent::v1::ScrubResponse response;
  while (stream->Read(&response)) {
    if (response.has_rows()) {
      for (const consent::v1::ScrubRowResult& result : response.rows().rows()) {
        on_result(result);
      }
    } else if (response.has_receipt()) {
      receipt = response.receipt();
    }
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!abandoned.ok()) return abandoned;
  if (!status.ok()) return ToStatus(status);
  if (!receipt.has_value()) {
    return absl::DataLossError("the scrub ended without a receipt");
  }
  return *std::move(receipt);
}

absl::Status ConsentClient::ListAuditEntries(
    int64_t from_sequence, int64_t max_entries,
    absl::FunctionRef<void(const consent::v1::AuditEntry&)> visit) const {
  grpc::ClientContext context;
  Prepare(context, kImportTimeout);
  consent::v1::ListAuditEntriesRequest request;
  request.set_from_sequence(from_sequence);
  request.set_max_entries(max_entries);
  auto reader = audit_->ListAuditEntries(&context, request);
  consent::v1::AuditEntry entry;
  while (reader->Read(&entry)) visit(entry);
  return ToStatus(reader->Finish());
}

absl::StatusOr<consent::v1::AuditCheckpoint> ConsentClient::GetAuditCheckpoint(
    int64_t sequence) const {
  consent::v1::GetCheckpointRequest request;
  request.set_sequence(sequence);
  return Call(audit_.get(), &consent::v1::AuditService::Stub::GetCheckpoint,
              request);
}

absl::StatusOr<consent::v1::VerifyAuditResponse> ConsentClient::VerifyAudit()
    const {
  return Call(audit_.get(), &consent::v1::AuditService::Stub::VerifyAudit,
              consent::v1::VerifyAuditRequest());
}

absl::StatusOr<consent::v1::ScrubReceipt> ConsentClient::GetReceipt(
    const std::string& receipt_id) const {
  consent::v1::GetReceiptRequest request;
  request.set_receipt_id(receipt_id);
  return Call(scrub_.get(), &consent::v1::ScrubService::Stub::GetReceipt,
              request);
}

absl::StatusOr<consent::v1::ReceiptKey> ConsentClient::GetReceiptKey(
    const std::string& key_id) const {
  consent::v1::GetReceiptKeyRequest request;
  request.set_key_id(key_id);
  return Call(scrub_.get(), &consent::v1::ScrubService::Stub::GetReceiptKey,
              request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::OpenRequest(
    const consent::v1::OpenRequestRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::OpenRequest, request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::VerifyIdentity(
    const consent::v1::VerifyIdentityRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::VerifyIdentity, request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::ExtendRequest(
    const consent::v1::ExtendRequestRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::ExtendRequest, request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::RejectRequest(
    const consent::v1::RejectRequestRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::RejectRequest, request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::CompleteRequest(
    const consent::v1::CompleteRequestRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::CompleteRequest, request);
}

absl::StatusOr<consent::v1::ExportSubjectResponse> ConsentClient::ExportSubject(
    const consent::v1::ExportSubjectRequest& request) const {
  return Call(requests_.get(),
              &consent::v1::DataSubjectRequestService::Stub::ExportSubject,
              request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::LiftRestriction(
    const consent::v1::LiftRestrictionRequest& request) const {
  return CallIdempotent(
      requests_.get(),
      &consent::v1::DataSubjectRequestService::Stub::LiftRestriction, request);
}

absl::StatusOr<consent::v1::DataSubjectRequest> ConsentClient::GetRequest(
    const std::string& request_id) const {
  consent::v1::GetRequestRequest request;
  request.set_request_id(request_id);
  return Call(requests_.get(),
              &consent::v1::DataSubjectRequestService::Stub::GetRequest,
              request);
}

absl::StatusOr<consent::v1::ListRequestsResponse> ConsentClient::ListRequests(
    const consent::v1::ListRequestsRequest& request) const {
  return Call(requests_.get(),
              &consent::v1::DataSubjectRequestService::Stub::ListRequests,
              request);
}

}  // namespace consentd::client
