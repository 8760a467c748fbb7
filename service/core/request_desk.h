// RequestDesk: the privacy officer's workflow for data-subject requests
// (SPEC §5). A request is opened RECEIVED with its deadline (one calendar
// month, request_deadline.h); identity verification moves it to
// IDENTITY_VERIFIED; it may be extended (at most two further months, with a
// reason) or rejected (with a reason) while open. Every change names its
// officer and is kept in the request's history. Listing is by due date.
//
// Completing a request carries it out:
// - ERASURE: the subject's facts are erased (ConsentLedger::Erase) and every
//   kept request about the subject is scrubbed of personal data (identifier
//   values, requester contact), keeping digests, ids and dates as the record
//   that it happened;
// - RECTIFICATION: the subject's record moves to the replacement identifier
//   (ConsentLedger::Rectify); refusals on the old identifier stay;
// - OBJECTION: a global objection; RESTRICTION: a restriction (checks DENY
//   RESTRICTED until LiftRestriction);
// - ACCESS, PORTABILITY: nothing more to do, but only once the subject's
//   data has been exported (Export), which is what the person receives.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_REQUEST_DESK_H_
#define CONSENTD_SERVICE_CORE_REQUEST_DESK_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "access/caller.h"
#include "consent/v1/requests.pb.h"
#include "service/core/clock.h"
#include "service/core/consent_ledger.h"
#include "service/core/identifier_resolver.h"
#include "service/core/subject_export.h"
#include "service/store/request_store.h"

namespace consentd::core {

inline constexpr size_t kMaxReasonLength = 1024;
inline constexpr size_t kMaxReceivedViaLength = 64;
inline constexpr size_t kMaxRequesterContactLength = 256;
inline constexpr int kMaxRequestPageSize = 1000;
// Requests open (RECEIVED or IDENTITY_VERIFIED) at once.
inline constexpr int kMaxOpenRequests = 10'000;
// Steps one request's history may hold.
inline constexpr int kMaxHistoryEvents = 64;

class RequestDesk {
 public:
  struct Limits {
    // An erasure is completed only by a principal other than the one who
    // verified the requester's identity (four eyes).
    bool require_second_officer = true;
    int max_open_requests = kMaxOpenRequests;
  };

  // Every pointer must outlive the desk.
  RequestDesk(store::RequestStore* store, const IdentifierResolver* resolver,
              ConsentLedger* ledger, const SubjectExporter* exporter,
              Clock clock, Limits limits);

  // Each step below is recorded in the request's history with `caller`'s
  // principal; the requests' free-text `officer` fields are ignored.
  //
  // A step given an idempotency key keeps it in its history event: the
  // same step again with that key, from the same principal, changes
  // nothing and returns the request as it now stands (Open: the request
  // the key opened, whose id the key and principal determine). Every step
  // also answers INVALID_ARGUMENT for a malformed key, and Open for a key
  // that opened a request of another type or about other identifiers.
  //
  // Errors: INVALID_ARGUMENT for a missing type, identifiers
  // that cannot be normalised (named by index), a RECTIFICATION without a
  // replacement, with other than one identifier or with a replacement that
  // is the same identifier (or another type with a replacement), texts over
  // their bounds, a receipt time in the future; RESOURCE_EXHAUSTED when
  // the limit of open requests is reached.
  absl::StatusOr<consent::v1::DataSubjectRequest> Open(
      const access::Caller& caller,
      const consent::v1::OpenRequestRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

  // The transitions below: NOT_FOUND for an unknown id; INVALID_ARGUMENT for
  // a missing method or reason; RESOURCE_EXHAUSTED when the history holds
  // kMaxHistoryEvents steps; FAILED_PRECONDITION when the
  // request's state does not allow the change (or, for Extend, when it would
  // exceed two months).
  absl::StatusOr<consent::v1::DataSubjectRequest> VerifyIdentity(
      const access::Caller& caller,
      const consent::v1::VerifyIdentityRequest& request);
  absl::StatusOr<consent::v1::DataSubjectRequest> Extend(
      const access::Caller& caller,
      const consent::v1::ExtendRequestRequest& request);
  absl::StatusOr<consent::v1::DataSubjectRequest> Reject(
      const access::Caller& caller,
      const consent::v1::RejectRequestRequest& request);

  // Carries out a verified request and closes it. Errors as the
  // transitions; FAILED_PRECONDITION unless IDENTITY_VERIFIED, for an
  // ACCESS or PORTABILITY request not exported yet, for a RECTIFICATION of
  // an erased identifier; PERMISSION_DENIED for an erasure completed by
  // the principal who verified it, when four eyes are required, or for a
  // caller without the privacy_officer role completing anything but an
  // erasure (an admin only confirms erasures); store errors, among them
  // UNAVAILABLE when an erasure's old copies could not be cut from the
  // store's files yet (the subject is suppressed already). The request
  // then stays open, the failure noted in its history, and completing it
  // again is safe.
  absl::StatusOr<consent::v1::DataSubjectRequest> Complete(
      const access::Caller& caller,
      const consent::v1::CompleteRequestRequest& request);

  // The JSON document of everything held about the subject of an ACCESS or
  // PORTABILITY request, noted (with its SHA-256) in the request's history.
  // Errors as the transitions; FAILED_PRECONDITION for another type or a
  // request neither IDENTITY_VERIFIED nor COMPLETED; store errors.
  absl::StatusOr<consent::v1::ExportSubjectResponse> Export(
      const access::Caller& caller,
      const consent::v1::ExportSubjectRequest& request);

  // Lifts the restriction a completed RESTRICTION request put in place.
  // Errors as the transitions; FAILED_PRECONDITION for another type, a
  // request not COMPLETED or one already lifted; store errors.
  absl::StatusOr<consent::v1::DataSubjectRequest> LiftRestriction(
      const access::Caller& caller,
      const consent::v1::LiftRestrictionRequest& request);

  // Carrying out a journalled `erasure` again (erasure_replay.h), before
  // the ledger does: false when the store holds its request REJECTED (the
  // journal kept an erasure the store then failed, and the officer
  // rejected the request since: nothing to do); else scrubs every request
  // about its digests, as completing it did, and returns true. Errors:
  // store errors.
  absl::StatusOr<bool> ScrubForReappliedErasure(
      const JournalledErasure& erasure, const access::Caller& caller)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Then, once the ledger re-applied it: completes its request when the
  // store holds it open (a store older than the erasure does), noting why.
  // A request the store does not hold was opened after the store's copy
  // was taken. Errors: store errors.
  absl::Status CompleteReappliedErasure(const JournalledErasure& erasure,
                                        const access::Caller& caller)
      ABSL_LOCKS_EXCLUDED(mu_);

  // How many requests are in `state`; how many open ones are past their
  // due date. From the store's index, without reading any request. Errors:
  // store errors.
  absl::StatusOr<int64_t> Count(consent::v1::RequestState state) const;
  absl::StatusOr<int64_t> CountOverdue() const;

  // NOT_FOUND for an unknown id.
  absl::StatusOr<consent::v1::DataSubjectRequest> Get(
      const std::string& request_id) const;

  // Requests by due date, earliest first. `overdue_only` without states
  // means the open requests past their due date. Errors: INVALID_ARGUMENT
  // for an unknown state, a page size over kMaxRequestPageSize or a page
  // token this desk did not issue.
  absl::StatusOr<consent::v1::ListRequestsResponse> List(
      const consent::v1::ListRequestsRequest& request) const;

 private:
  // Loads the request, lets `change` alter it (and the event it appends),
  // and keeps the result, auditing `action` by `caller`; one change at a
  // time.
  // A step given `idempotency_key` that the request's history holds from
  // `caller` returns the request unchanged.
  absl::StatusOr<consent::v1::DataSubjectRequest> Change(
      const std::string& request_id, const access::Caller& caller,
      absl::string_view idempotency_key, absl::string_view action, bool closing,
      absl::FunctionRef<absl::Status(consent::v1::DataSubjectRequest&,
                                     consent::v1::RequestEvent&)>
          change) ABSL_LOCKS_EXCLUDED(mu_);

  // Keeps `request`, auditing `action` by `caller`.
  absl::Status Keep(const consent::v1::DataSubjectRequest& request,
                    const access::Caller& caller, absl::string_view action);

  // Calls `visit` for every kept request that names one of `digests` (hex),
  // as identifier or replacement, in due-date order.
  absl::Status ForEachRequestAbout(
      const absl::flat_hash_set<std::string>& digests,
      absl::FunctionRef<absl::Status(consent::v1::DataSubjectRequest&)> visit)
      const;

  // Clears the personal data of every kept request about `digests` (hex).
  absl::Status ScrubRequests(const absl::flat_hash_set<std::string>& digests,
                             const access::Caller& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Builds the export of `dsr` into `response`, noting it on `dsr` and in
  // `event`.
  absl::Status ExportInto(consent::v1::DataSubjectRequest& dsr,
                          consent::v1::RequestEvent& event,
                          consent::v1::ExportSubjectResponse& response) const;

  // Notes in `request`'s history (state unchanged) that carrying it out
  // failed with `failure`, when the failure is the store's rather than the
  // request's (a precondition), so that the officer who finds it still open
  // reads why. Best effort: the failure is what the caller gets either way.
  void RecordFailedStep(consent::v1::DataSubjectRequest& request,
                        const access::Caller& caller,
                        const absl::Status& failure)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Carries out `request` (IDENTITY_VERIFIED) for `caller` and says what
  // was done, for the history.
  absl::StatusOr<std::string> CarryOut(
      const consent::v1::DataSubjectRequest& request,
      const access::Caller& caller) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::RequestStore* const store_;
  const IdentifierResolver* const resolver_;
  ConsentLedger* const ledger_;
  const SubjectExporter* const exporter_;
  const Clock clock_;
  const Limits limits_;
  absl::Mutex mu_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_REQUEST_DESK_H_
