// ConsentClient: a small C++ client for consentd's ConsentService,
// SuppressionListService, ScrubService, DataSubjectRequestService and
// AdminService. Every call has a
// deadline and returns absl::Status codes (the server's gRPC code and message,
// or UNAVAILABLE / DEADLINE_EXCEEDED when it cannot be reached).
//
// Example:
//   consentd::client::ConsentClient client("127.0.0.1:50051");  // dev
//   consent::v1::CheckRequest request;
//   request.add_identifiers()->set_phone("031 123 456");
//   request.set_default_region("SI");
//   request.set_purpose("marketing");
//   request.set_channel("phone");
//   absl::StatusOr<consent::v1::CheckResponse> answer = client.Check(request);
//
// Thread-safety: safe for concurrent calls.
//
// Every method may also fail with these codes, which come from gRPC rather
// than from consentd's answer:
// - UNAVAILABLE: no server listens at the address, the connection broke, or
//   the server is shutting down (a store that is busy or failing also
//   answers UNAVAILABLE). Retrying later is the remedy.
// - DEADLINE_EXCEEDED: no answer within the timeout (kImportTimeout for
//   ImportList and Scrub).
// - RESOURCE_EXHAUSTED: a request or answer over gRPC's 4 MiB message
//   limit.
// For the methods that change something, UNAVAILABLE, DEADLINE_EXCEEDED
// and CANCELLED leave the caller not knowing whether the change was made:
// the server may have done it and the answer been lost. Each method says
// below what retrying it does.
#ifndef CONSENTD_CLIENT_CONSENT_CLIENT_H_
#define CONSENTD_CLIENT_CONSENT_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/client_interceptor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "consent/v1/admin.grpc.pb.h"
#include "consent/v1/audit.grpc.pb.h"
#include "consent/v1/consent.grpc.pb.h"
#include "consent/v1/requests.grpc.pb.h"
#include "consent/v1/scrub.grpc.pb.h"
#include "consent/v1/suppression.grpc.pb.h"

namespace consentd::client {

// Where consentd is and how to prove who the client is.
struct ConnectionOptions {
  // "host:port".
  std::string address;
  // PEM CA certificates the server's certificate must chain to. Empty:
  // plain text (consentd serves that on loopback only).
  std::string ca;
  // The client's certificate chain and private key, PEM, for mutual TLS;
  // both or neither, and only with `ca`.
  std::string certificate_chain;
  std::string private_key;
  // The name the server's certificate must carry, when it is not the host
  // of `address` (e.g. connecting by IP to a certificate for a DNS name).
  std::string server_name;
  // Sent as "authorization: Bearer TOKEN" on every call, when set.
  std::string bearer_token;
  // Deadline of each call but ImportList and Scrub (kImportTimeout).
  absl::Duration timeout = absl::Seconds(10);
  // Attempts of RecordConsent, RecordObjection and the data-subject
  // request steps (OpenRequest, VerifyIdentity, ExtendRequest,
  // RejectRequest, CompleteRequest, LiftRestriction), each with the same
  // idempotency key, while they fail UNAVAILABLE, DEADLINE_EXCEEDED or
  // RESOURCE_EXHAUSTED (waiting 100 ms, then 4 times longer each time, with
  // jitter); 1: no retry. Keep attempts x timeout well inside the server's
  // idempotency window (a day by default).
  int write_attempts = 4;
  // Tests only: interceptors on every call (to lose answers on purpose).
  std::function<std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>()>
      interceptors_for_testing;
};

class ConsentClient {
 public:
  // Connects lazily as `options` say. Bad PEM shows as UNAVAILABLE on the
  // first call.
  explicit ConsentClient(const ConnectionOptions& options);
  // Connects lazily to `address` ("host:port") in plain text, with no
  // credentials: consentd's development default on loopback.
  explicit ConsentClient(const std::string& address,
                         absl::Duration timeout = absl::Seconds(10));

  // Records a consent grant or withdrawal for every identifier of the
  // request; OK means it is durable and checks see it, and the response
  // holds one fact id per identifier. Errors: INVALID_ARGUMENT for a bad
  // request (fix it; retrying as is fails again); FAILED_PRECONDITION when a
  // grant meets a standing refusal its collection method may not lift
  // (nothing recorded; only new, subject-initiated evidence helps); store
  // errors (UNAVAILABLE, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, DATA_LOSS)
  // when nothing was written. Idempotent: the request goes with its
  // `idempotency_key` (a random one
  // when it has none), and a failure that leaves the outcome unknown
  // (UNAVAILABLE, DEADLINE_EXCEEDED) or a busy server (RESOURCE_EXHAUSTED)
  // is retried with the same key up to
  // `write_attempts` in all; the server records the fact once and answers
  // every attempt with the first answer (its fact ids). A caller that
  // retries after this returns must keep the key: set it in the request.
  absl::StatusOr<consent::v1::RecordConsentResponse> RecordConsent(
      const consent::v1::RecordConsentRequest& request) const;
  // Records an objection (global, or for a purpose and/or channel) for
  // every identifier of the request; OK means durable and seen by checks.
  // Errors as RecordConsent, less the standing refusal's
  // FAILED_PRECONDITION. Idempotent and retried as RecordConsent.
  absl::StatusOr<consent::v1::RecordObjectionResponse> RecordObjection(
      const consent::v1::RecordObjectionRequest& request) const;
  // Decides whether the person may be contacted for the purpose and
  // channel, from the server's memory. An identifier that cannot be
  // normalised is a DENY (INVALID_IDENTIFIER), not an error. Errors:
  // INVALID_ARGUMENT for a missing or unknown purpose or channel, a bad
  // region or `at`, or other than 1-16 identifiers. Records nothing, so a
  // retry is harmless; on any error the caller must not contact.
  absl::StatusOr<consent::v1::CheckResponse> Check(
      const consent::v1::CheckRequest& request) const;
  // Decides each contact as Check would, in request order. Errors as Check
  // (the whole batch fails, nothing is decided) and INVALID_ARGUMENT for
  // other than 1-10,000 contacts, over 20,000 identifiers in all or a row id
  // over 128 bytes. Records nothing; a retry is harmless.
  absl::StatusOr<consent::v1::CheckBatchResponse> CheckBatch(
      const consent::v1::CheckBatchRequest& request) const;
  // Everything recorded for one identifier, oldest first (empty, not an
  // error, when nothing is). Errors: INVALID_ARGUMENT for a missing
  // identifier, one that cannot be normalised or a bad region; store errors.
  // Read-only; a retry is harmless.
  absl::StatusOr<consent::v1::GetRecordResponse> GetRecord(
      const consent::v1::GetRecordRequest& request) const;
  // The server's version, policy and schema versions and counts. Fails only
  // as every call can (above); a retry is harmless.
  absl::StatusOr<consent::v1::GetStatusResponse> GetStatus() const;

  // Streams a new version of a suppression list. `next` fills in one
  // identifier and returns true, returns false when there are no more, or
  // returns an error to abandon the import: the stream is then cancelled,
  // the server publishes nothing, and that error is returned. `next` runs
  // on the calling thread. Its deadline is kImportTimeout, not the per-call
  // timeout. Returns the list as published, which replaced the list of that
  // name in one step; entries that cannot be normalised are counted in
  // `rejected_entries`, not errors. Errors: INVALID_ARGUMENT for a bad
  // header (name, version, unknown purpose or channel, region) or more
  // entries than a list may hold; store errors; on any error the version in
  // force is unchanged. A retry imports the whole list again and publishes
  // it again in place of the first (same entries, a new `imported_at`), so
  // retrying is safe.
  absl::StatusOr<consent::v1::SuppressionList> ImportList(
      const consent::v1::ImportListHeader& header,
      absl::FunctionRef<absl::StatusOr<bool>(consent::v1::Identifier*)> next)
      const;
  // Every list held, by name, without its entries. Errors: store errors.
  // Read-only; a retry is harmless.
  absl::StatusOr<consent::v1::ListListsResponse> ListLists() const;
  // Asks to remove the list `name`. Where four eyes are required, the
  // first principal's ask answers `dropped` false and changes nothing;
  // a second principal (privacy officer or admin) asking within a day
  // drops it. Once dropped, checks stop seeing it at once. Errors:
  // NOT_FOUND when there is no such list; PERMISSION_DENIED for a second
  // principal who may not confirm; store errors. Asking again is
  // harmless; a retry after a lost answer that had dropped the list gets
  // NOT_FOUND, which then means it is gone.
  absl::StatusOr<consent::v1::DropListResponse> DropList(
      const std::string& name) const;

  // Scrubs a list. `next` fills in one row and returns true, returns false
  // at the end of the list, or returns an error to abandon the scrub (the
  // stream is cancelled, no receipt is issued, and that error is returned).
  // `on_result` receives each row's result, in order. `next` runs on a
  // thread of its own, `on_result` on the calling thread. Returns the
  // signed receipt, which the server keeps (GetReceipt). Its deadline is
  // kImportTimeout. Errors: INVALID_ARGUMENT for a bad header (missing or
  // unknown purpose or channel, region, time, list name) or a row over its
  // bounds (row id over 128 bytes, more than 16 identifiers); CANCELLED when
  // the stream broke; DATA_LOSS when the stream ended without a receipt;
  // store errors. Rows passed to `on_result` before an error were decided
  // but no receipt covers them. Records no fact about anyone; a retry scrubs
  // the list again, as things stand then, and keeps a second receipt with
  // an id of its own.
  absl::StatusOr<consent::v1::ScrubReceipt> Scrub(
      const consent::v1::ScrubHeader& header,
      absl::FunctionRef<absl::StatusOr<bool>(consent::v1::ScrubRow*)> next,
      absl::FunctionRef<void(const consent::v1::ScrubRowResult&)> on_result)
      const;
  // A receipt the server kept, as Scrub returned it. Errors: NOT_FOUND for
  // an unknown id; DATA_LOSS when the kept receipt does not parse; store
  // errors. Read-only; a retry is harmless.
  absl::StatusOr<consent::v1::ScrubReceipt> GetReceipt(
      const std::string& receipt_id) const;
  // The public key receipts are signed with, to verify them offline; with
  // `key_id`, that (older) key. Errors: NOT_FOUND for a key id the
  // server's keyring does not hold. Read-only; a retry is harmless.
  absl::StatusOr<consent::v1::ReceiptKey> GetReceiptKey(
      const std::string& key_id = "") const;

  // Data-subject requests. Each change below returns the request as it now
  // stands. Common errors: NOT_FOUND for an unknown request id;
  // INVALID_ARGUMENT for a missing officer, method or reason or a text over
  // its bound; FAILED_PRECONDITION when the request's state does not allow
  // the change (GetRequest shows the state); store errors. Every step but
  // ExportSubject is idempotent and retried as RecordConsent: it goes with
  // its `idempotency_key` (a random one when it has none), which the
  // server keeps with the step in the request's history; an attempt after
  // one that took the step changes nothing and gets the request as it
  // stands.

  // Opens a request, RECEIVED, due in one calendar month. Errors:
  // INVALID_ARGUMENT for a missing type or officer, identifiers that cannot
  // be normalised, a malformed rectification, a receipt time in the future.
  // A retry with the key opens nothing and gets the request it opened.
  absl::StatusOr<consent::v1::DataSubjectRequest> OpenRequest(
      const consent::v1::OpenRequestRequest& request) const;
  // Marks a RECEIVED request IDENTITY_VERIFIED.
  absl::StatusOr<consent::v1::DataSubjectRequest> VerifyIdentity(
      const consent::v1::VerifyIdentityRequest& request) const;
  // Extends an open request's deadline by 1 or 2 months, at most 2 in all
  // (FAILED_PRECONDITION beyond). A retry with the key extends nothing.
  absl::StatusOr<consent::v1::DataSubjectRequest> ExtendRequest(
      const consent::v1::ExtendRequestRequest& request) const;
  // Rejects an open request, with a reason.
  absl::StatusOr<consent::v1::DataSubjectRequest> RejectRequest(
      const consent::v1::RejectRequestRequest& request) const;
  // Carries out an IDENTITY_VERIFIED request (erasure, rectification,
  // objection, restriction; access and portability once exported) and
  // closes it COMPLETED. FAILED_PRECONDITION also for an ACCESS or
  // PORTABILITY request not exported yet and a rectification of an erased
  // identifier. After a store error the request stays open and completing
  // it again is safe (the failed attempt did not take the step).
  absl::StatusOr<consent::v1::DataSubjectRequest> CompleteRequest(
      const consent::v1::CompleteRequestRequest& request) const;
  // The JSON document of everything held about the subject of an ACCESS or
  // PORTABILITY request that is IDENTITY_VERIFIED or COMPLETED
  // (FAILED_PRECONDITION otherwise), noted in the request's history. A
  // retry builds the document again and notes it again; nothing else
  // changes.
  absl::StatusOr<consent::v1::ExportSubjectResponse> ExportSubject(
      const consent::v1::ExportSubjectRequest& request) const;
  // Lifts the restriction a COMPLETED RESTRICTION request put in place
  // (FAILED_PRECONDITION for any other request).
  absl::StatusOr<consent::v1::DataSubjectRequest> LiftRestriction(
      const consent::v1::LiftRestrictionRequest& request) const;
  // One request with its history. NOT_FOUND for an unknown id. Read-only; a
  // retry is harmless.
  absl::StatusOr<consent::v1::DataSubjectRequest> GetRequest(
      const std::string& request_id) const;
  // Requests by due date, earliest first, a page at a time. Errors:
  // INVALID_ARGUMENT for an unknown state, a page size over 1,000 or a page
  // token the server did not issue. Read-only; a retry is harmless.
  absl::StatusOr<consent::v1::ListRequestsResponse> ListRequests(
      const consent::v1::ListRequestsRequest& request) const;

  // The audit trail's entries from `from_sequence` (at most `max_entries`,
  // 0 = the server's limit), each passed to `visit` as it arrives. Errors:
  // INVALID_ARGUMENT for a negative argument; store errors. Read-only; a
  // retry is harmless. Deadline: kImportTimeout.
  absl::Status ListAuditEntries(
      int64_t from_sequence, int64_t max_entries,
      absl::FunctionRef<void(const consent::v1::AuditEntry&)> visit) const;
  // A signed checkpoint: of the chain's head, signed now, for 0; else the
  // one kept for `sequence` (NOT_FOUND when none was). Read-only but for
  // keeping the new checkpoint; a retry is harmless.
  absl::StatusOr<consent::v1::AuditCheckpoint> GetAuditCheckpoint(
      int64_t sequence) const;
  // The server's verification of the whole audit trail. What is wrong is
  // in the response; errors are store errors only. Read-only.
  absl::StatusOr<consent::v1::VerifyAuditResponse> VerifyAudit() const;

  // The deadline of ImportList and Scrub, whose lists may be long.
  static constexpr absl::Duration kImportTimeout = absl::Hours(1);
  // The policy the server decides by. Fails only as every call can; a
  // retry is harmless.
  absl::StatusOr<consent::v1::Policy> GetPolicy() const;
  // Re-encrypts the server's store under database key `version` of its
  // keyring (0 = the newest), online. Errors: NOT_FOUND for a version the
  // keyring consentd started with lacks; FAILED_PRECONDITION for a version
  // older than the one in use, or when the rekey failed and the store is
  // still under its old key; UNAVAILABLE when readers kept it from
  // starting (retry); RESOURCE_EXHAUSTED without disk room; DATA_LOSS when
  // no key reads the store any more (restore a backup). Idempotent: a
  // retry with the version in use answers at once. Deadline:
  // kImportTimeout (it rewrites the whole store).
  absl::StatusOr<consent::v1::RekeyResponse> Rekey(int version) const;
  // Writes an online backup of the server's store, and its manifest, as
  // `file_name` in the server's backup directory. Errors: INVALID_ARGUMENT
  // for a name that is not a plain file name; ALREADY_EXISTS for a name
  // taken (so a retry after a lost answer says so rather than writing
  // twice); RESOURCE_EXHAUSTED without disk room. Deadline: kImportTimeout.
  absl::StatusOr<consent::v1::BackupResponse> Backup(
      const std::string& file_name) const;

 private:
  // Sets the deadline and the bearer token on `context`.
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const;

  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      Stub* stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) const;

  // Call for a write with an idempotency key: sets one when the request
  // has none and retries while the outcome is unknown.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> CallIdempotent(
      Stub* stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      Request request) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<consent::v1::ConsentService::Stub> consent_;
  std::unique_ptr<consent::v1::AdminService::Stub> admin_;
  std::unique_ptr<consent::v1::SuppressionListService::Stub> lists_;
  std::unique_ptr<consent::v1::ScrubService::Stub> scrub_;
  std::unique_ptr<consent::v1::DataSubjectRequestService::Stub> requests_;
  std::unique_ptr<consent::v1::AuditService::Stub> audit_;
  std::string authorization_;  // "Bearer TOKEN", or empty
  absl::Duration timeout_;
  int write_attempts_;
};

}  // namespace consentd::client

#endif  // CONSENTD_CLIENT_CONSENT_CLIENT_H_
