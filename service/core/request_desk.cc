#include "service/core/request_desk.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "crypto/sha256.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/audit_draft.h"
#include "service/core/input_validation.h"
#include "service/core/request_deadline.h"

namespace consentd::core {
namespace {

using consent::v1::DataSubjectRequest;
using consent::v1::RequestState;
using google::protobuf::util::TimeUtil;

// The last place in a history is kept for the step that closes the request
// (complete, reject), so a full history never stops the request from being
// answered in time.
absl::Status RoomInHistory(const DataSubjectRequest& request, bool closing) {
  if (request.history_size() >= kMaxHistoryEvents - (closing ? 0 : 1)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the request's history holds ", kMaxHistoryEvents,
                     " steps, the most it may"));
  }
  return absl::OkStatus();
}

// The principal who verified the requester's identity: the officer of the
// step into IDENTITY_VERIFIED, not of later steps in that state (an
// extension, an export). "" if no one has.
std::string VerifierOf(const DataSubjectRequest& request) {
  RequestState before = consent::v1::REQUEST_STATE_UNSPECIFIED;
  for (const consent::v1::RequestEvent& event : request.history()) {
    if (before == consent::v1::REQUEST_STATE_RECEIVED &&
        event.state() == consent::v1::REQUEST_STATE_IDENTITY_VERIFIED) {
      return event.officer();
    }
    before = event.state();
  }
  return "";
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Status RequireText(absl::string_view value, size_t max,
                         absl::string_view field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status BoundText(absl::string_view value, size_t max,
                       absl::string_view field) {
  return value.empty() ? absl::OkStatus() : RequireText(value, max, field);
}

absl::StatusOr<std::string> NewRequestId() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("no randomness for a request id");
  }
  return absl::StrCat(
      "dsr-", absl::BytesToHexString(absl::string_view(
                  reinterpret_cast<const char*>(bytes), sizeof(bytes))));
}

// The id of the request `principal` opens with idempotency `key`: the same
// for every retry, and no other principal's or key's.
std::string RequestIdFor(absl::string_view principal, absl::string_view key) {
  const crypto::Digest digest = crypto::Sha256(absl::StrCat(
      "consentd/v1/request-id ", principal.size(), ":", principal, " ", key));
  return absl::StrCat("dsr-", crypto::DigestHex(digest).substr(0, 16));
}

// How a step's event keeps the idempotency key of its call: with the
// step's action, so that a key given for one step never answers for
// another (an opening's key must not pass for a completion).
std::string StepKey(absl::string_view action, absl::string_view key) {
  return key.empty() ? std::string() : absl::StrCat(action, " ", key);
}

// Whether `request`'s history holds the step `action` that `caller` took
// with `key`.
bool TookStepWith(const DataSubjectRequest& request,
                  const access::Caller& caller, absl::string_view action,
                  absl::string_view key) {
  if (key.empty()) return false;
  const std::string step_key = StepKey(action, key);
  for (const consent::v1::RequestEvent& event : request.history()) {
    if (event.idempotency_key() == step_key &&
        event.officer() == caller.principal) {
      return true;
    }
  }
  return false;
}

// The digests of the request's identifiers.
absl::StatusOr<std::vector<crypto::Digest>> DigestsOf(
    const DataSubjectRequest& request) {
  std::vector<crypto::Digest> digests;
  for (const consent::v1::NormalisedIdentifier& identifier :
       request.identifiers()) {
    ASSIGN_OR_RETURN(digests.emplace_back(),
                     IdentifierResolver::DigestOf(identifier));
  }
  return digests;
}

// The same, in hex, as kept requests name them.
absl::flat_hash_set<std::string> HexDigestsOf(
    const DataSubjectRequest& request) {
  absl::flat_hash_set<std::string> digests;
  for (const consent::v1::NormalisedIdentifier& identifier :
       request.identifiers()) {
    digests.insert(identifier.digest());
  }
  return digests;
}

bool IsOpen(RequestState state) {
  return state == consent::v1::REQUEST_STATE_RECEIVED ||
         state == consent::v1::REQUEST_STATE_IDENTITY_VERIFIED;
}

std::string StateName(RequestState state) {
  absl::string_view name = consent::v1::RequestState_Name(state);
  absl::ConsumePrefix(&name, "REQUEST_STATE_");
  return std::string(name);
}

// Months the due date has been extended by, derived from the dates.
int ExtensionMonths(const DataSubjectRequest& request) {
  const absl::Time received = FromTimestamp(request.received_at());
  const absl::Time due = FromTimestamp(request.due_at());
  for (int months = 0; months < kMaxExtensionMonths; ++months) {
    if (RequestDueAt(received, months) == due) return months;
  }
  return kMaxExtensionMonths;
}

}  // namespace

RequestDesk::RequestDesk(store::RequestStore* store,
                         const IdentifierResolver* resolver,
                         ConsentLedger* ledger, const SubjectExporter* exporter,
                         Clock clock, Limits limits)
    : store_(store),
      resolver_(resolver),
      ledger_(ledger),
      exporter_(exporter),
      clock_(std::move(clock)),
      limits_(limits) {}

absl::Status RequestDesk::Keep(const DataSubjectRequest& request,
                               const access::Caller& caller,
                               absl::string_view action) {
  store::AuditDraft audit = AuditDraftOf(caller, action, clock_());
  ASSIGN_OR_RETURN(audit.subjects, DigestsOf(request));
  audit.object_ids.push_back(absl::StrCat("request:", request.request_id()));
  return store_->SaveRequest(
      request.request_id(), request.state(),
      TimeUtil::TimestampToMicroseconds(request.due_at()),
      request.SerializeAsString(), audit);
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Open(
    const access::Caller& caller,
    const consent::v1::OpenRequestRequest& request) {
  if (request.type() == consent::v1::REQUEST_TYPE_UNSPECIFIED ||
      !consent::v1::RequestType_IsValid(request.type())) {
    return absl::InvalidArgumentError("type is required");
  }
  RETURN_IF_ERROR(
      BoundText(request.received_via(), kMaxReceivedViaLength, "received_via"));
  RETURN_IF_ERROR(BoundText(request.requester_contact(),
                            kMaxRequesterContactLength, "requester_contact"));
  RETURN_IF_ERROR(ValidateIdentifierCount(request.identifiers_size()));
  RETURN_IF_ERROR(ValidateRegion(request.default_region(), "default_region"));
  const bool rectification =
      request.type() == consent::v1::REQUEST_TYPE_RECTIFICATION;
  if (rectification != request.has_replacement()) {
    return absl::InvalidArgumentError(
        "a replacement identifier goes with RECTIFICATION, and only with it");
  }
  if (rectification && request.identifiers_size() != 1) {
    return absl::InvalidArgumentError(
        "a RECTIFICATION names exactly one identifier, the one to replace");
  }
  RETURN_IF_ERROR(ValidateIdempotencyKey(request.idempotency_key()));
  ASSIGN_OR_RETURN(
      std::vector<ResolvedIdentifier> resolved,
      resolver_->ResolveAll(request.identifiers(), request.default_region()));
  // Counting and keeping under one lock: concurrent opens cannot pass the
  // bound together.
  absl::MutexLock lock(&mu_);
  const std::string keyed_id =
      request.idempotency_key().empty()
          ? std::string()
          : RequestIdFor(caller.principal, request.idempotency_key());
  if (!keyed_id.empty()) {
    absl::StatusOr<DataSubjectRequest> first = Get(keyed_id);
    if (first.ok()) {
      bool same =
          first->type() == request.type() &&
          first->identifiers_size() == static_cast<int>(resolved.size());
      for (size_t i = 0; same && i < resolved.size(); ++i) {
        same = first->identifiers(static_cast<int>(i)).digest() ==
               crypto::DigestHex(resolved[i].digest);
      }
      if (!same) {
        return absl::InvalidArgumentError(
            "idempotency_key: it opened another request (another type or "
            "other identifiers); give this one a key of its own");
      }
      return *std::move(first);
    }
    if (!absl::IsNotFound(first.status())) return first.status();
  }
  store::RequestQuery open_requests;
  open_requests.states = {consent::v1::REQUEST_STATE_RECEIVED,
                          consent::v1::REQUEST_STATE_IDENTITY_VERIFIED};
  open_requests.limit = limits_.max_open_requests;
  ASSIGN_OR_RETURN(std::vector<std::string> open,
                   store_->ListRequests(open_requests));
  if (open.size() >= static_cast<size_t>(limits_.max_open_requests)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(limits_.max_open_requests,
                     " requests are open, the most consentd keeps; "
                     "complete or reject some first"));
  }
  const absl::Time now = clock_();
  ASSIGN_OR_RETURN(absl::Time received,
                   RequestTime(request.has_received_at(), request.received_at(),
                               now, /*bounded_future=*/true, "received_at"));

  DataSubjectRequest opened;
  if (keyed_id.empty()) {
    ASSIGN_OR_RETURN(*opened.mutable_request_id(), NewRequestId());
  } else {
    opened.set_request_id(keyed_id);
  }
  opened.set_type(request.type());
  opened.set_state(consent::v1::REQUEST_STATE_RECEIVED);
  for (const ResolvedIdentifier& identifier : resolved) {
    IdentifierResolver::FillProto(identifier, opened.add_identifiers());
  }
  if (rectification) {
    absl::StatusOr<ResolvedIdentifier> replacement =
        resolver_->Resolve(request.replacement(), request.default_region());
    if (!replacement.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("replacement: ", replacement.status().message()));
    }
    if (replacement->digest == resolved[0].digest) {
      return absl::InvalidArgumentError(
          "replacement: the same identifier as identifiers[0]");
    }
    IdentifierResolver::FillProto(*replacement, opened.mutable_replacement());
  }
  opened.set_received_via(request.received_via());
  opened.set_requester_contact(request.requester_contact());
  *opened.mutable_received_at() = ToTimestamp(received);
  *opened.mutable_due_at() = ToTimestamp(RequestDueAt(received, 0));
  consent::v1::RequestEvent* event = opened.add_history();
  *event->mutable_at() = ToTimestamp(now);
  event->set_state(consent::v1::REQUEST_STATE_RECEIVED);
  event->set_officer(std::string(caller.principal));
  event->set_idempotency_key(
      StepKey("request.opened", request.idempotency_key()));
  RETURN_IF_ERROR(Keep(opened, caller, "request.opened"));
  return opened;
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Change(
    const std::string& request_id, const access::Caller& caller,
    absl::string_view idempotency_key, absl::string_view action, bool closing,
    absl::FunctionRef<absl::Status(DataSubjectRequest&,
                                   consent::v1::RequestEvent&)>
        change) {
  RETURN_IF_ERROR(ValidateIdempotencyKey(idempotency_key));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(DataSubjectRequest request, Get(request_id));
  if (TookStepWith(request, caller, action, idempotency_key)) return request;
  RETURN_IF_ERROR(RoomInHistory(request, closing));
  consent::v1::RequestEvent event;
  *event.mutable_at() = ToTimestamp(clock_());
  event.set_officer(std::string(caller.principal));
  event.set_idempotency_key(StepKey(action, idempotency_key));
  RETURN_IF_ERROR(change(request, event));
  event.set_state(request.state());
  *request.add_history() = std::move(event);
  RETURN_IF_ERROR(Keep(request, caller, action));
  return request;
}

absl::StatusOr<DataSubjectRequest> RequestDesk::VerifyIdentity(
    const access::Caller& caller,
    const consent::v1::VerifyIdentityRequest& request) {
  RETURN_IF_ERROR(RequireText(request.method(), kMaxReasonLength, "method"));
  return Change(request.request_id(), caller, request.idempotency_key(),
                "request.identity_verified",
                /*closing=*/false,
                [&](DataSubjectRequest& dsr, consent::v1::RequestEvent& event) {
                  if (dsr.state() != consent::v1::REQUEST_STATE_RECEIVED) {
                    return absl::FailedPreconditionError(absl::StrCat(
                        "the request is ", StateName(dsr.state()),
                        "; only a RECEIVED request can be verified"));
                  }
                  dsr.set_state(consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
                  event.set_note(request.method());
                  return absl::OkStatus();
                });
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Extend(
    const access::Caller& caller,
    const consent::v1::ExtendRequestRequest& request) {
  if (request.months() < 1 || request.months() > kMaxExtensionMonths) {
    return absl::InvalidArgumentError("months must be 1 or 2");
  }
  RETURN_IF_ERROR(RequireText(request.reason(), kMaxReasonLength, "reason"));
  return Change(
      request.request_id(), caller, request.idempotency_key(),
      "request.extended", /*closing=*/false,
      [&](DataSubjectRequest& dsr, consent::v1::RequestEvent& event) {
        if (!IsOpen(dsr.state())) {
          return absl::FailedPreconditionError(
              absl::StrCat("the request is ", StateName(dsr.state()),
                           "; only an open request can be extended"));
        }
        const int total = ExtensionMonths(dsr) + request.months();
        if (total > kMaxExtensionMonths) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a request can be extended by at most ", kMaxExtensionMonths,
              " months in all; it has ", ExtensionMonths(dsr), " already"));
        }
        *dsr.mutable_due_at() =
            ToTimestamp(RequestDueAt(FromTimestamp(dsr.received_at()), total));
        event.set_note(absl::StrCat("extended by ", request.months(),
                                    " month(s): ", request.reason()));
        return absl::OkStatus();
      });
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Reject(
    const access::Caller& caller,
    const consent::v1::RejectRequestRequest& request) {
  RETURN_IF_ERROR(RequireText(request.reason(), kMaxReasonLength, "reason"));
  return Change(request.request_id(), caller, request.idempotency_key(),
                "request.rejected",
                /*closing=*/true,
                [&](DataSubjectRequest& dsr, consent::v1::RequestEvent& event) {
                  if (!IsOpen(dsr.state())) {
                    return absl::FailedPreconditionError(
                        absl::StrCat("the request is ", StateName(dsr.state()),
                                     "; only an open request can be rejected"));
                  }
                  dsr.set_state(consent::v1::REQUEST_STATE_REJECTED);
                  event.set_note(request.reason());
                  return absl::OkStatus();
                });
}

absl::StatusOr<int64_t> RequestDesk::Count(
    consent::v1::RequestState state) const {
  store::RequestQuery query;
  query.states = {state};
  return store_->CountRequests(query);
}

absl::StatusOr<int64_t> RequestDesk::CountOverdue() const {
  store::RequestQuery query;
  query.states = {consent::v1::REQUEST_STATE_RECEIVED,
                  consent::v1::REQUEST_STATE_IDENTITY_VERIFIED};
  query.due_before_us = absl::ToUnixMicros(clock_());
  return store_->CountRequests(query);
}

absl::Status RequestDesk::ForEachRequestAbout(
    const absl::flat_hash_set<std::string>& digests,
    absl::FunctionRef<absl::Status(DataSubjectRequest&)> visit) const {
  store::RequestQuery query;
  query.limit = kMaxRequestPageSize;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<std::string> page,
                     store_->ListRequests(query));
    for (const std::string& bytes : page) {
      DataSubjectRequest kept;
      if (!kept.ParseFromString(bytes)) {
        return absl::DataLossError("stored request does not parse");
      }
      query.after_due_us = TimeUtil::TimestampToMicroseconds(kept.due_at());
      query.after_id = kept.request_id();
      bool about_subject = kept.has_replacement() &&
                           digests.contains(kept.replacement().digest());
      for (const consent::v1::NormalisedIdentifier& identifier :
           kept.identifiers()) {
        if (digests.contains(identifier.digest())) about_subject = true;
      }
      if (about_subject) RETURN_IF_ERROR(visit(kept));
    }
    if (static_cast<int>(page.size()) < query.limit) return absl::OkStatus();
  }
}

absl::Status RequestDesk::ScrubRequests(
    const absl::flat_hash_set<std::string>& digests,
    const access::Caller& caller) {
  return ForEachRequestAbout(digests, [&](DataSubjectRequest& kept) {
    // A request about the subject may name other identifiers of theirs
    // too: all of it is the subject's data.
    for (consent::v1::NormalisedIdentifier& identifier :
         *kept.mutable_identifiers()) {
      identifier.clear_value();
    }
    if (kept.has_replacement()) kept.mutable_replacement()->clear_value();
    kept.clear_requester_contact();
    // Officers write names and numbers into notes and reasons; the steps'
    // states, dates and principals stay as the record of what was done.
    kept.clear_received_via();
    for (consent::v1::RequestEvent& event : *kept.mutable_history()) {
      event.clear_note();
    }
    return Keep(kept, caller, "request.scrubbed");
  });
}

void RequestDesk::RecordFailedStep(DataSubjectRequest& request,
                                   const access::Caller& caller,
                                   const absl::Status& failure) {
  switch (failure.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return;
    default:
      break;
  }
  if (!RoomInHistory(request, /*closing=*/false).ok()) return;
  consent::v1::RequestEvent* event = request.add_history();
  *event->mutable_at() = ToTimestamp(clock_());
  event->set_state(request.state());
  event->set_officer(std::string(caller.principal));
  event->set_note(absl::StrCat("not completed: ", failure.message(),
                               "; complete it again to finish"));
  Keep(request, caller, "request.step_failed").IgnoreError();
}

absl::StatusOr<std::string> RequestDesk::CarryOut(
    const DataSubjectRequest& request, const access::Caller& caller) {
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> digests, DigestsOf(request));
  switch (request.type()) {
    case consent::v1::REQUEST_TYPE_ACCESS:
    case consent::v1::REQUEST_TYPE_PORTABILITY:
      if (!request.has_exported_at()) {
        return absl::FailedPreconditionError(
            "the subject's data has not been exported yet (ExportSubject); "
            "the export is what the person receives");
      }
      return std::string("export delivered");
    case consent::v1::REQUEST_TYPE_ERASURE: {
      // Requests first: if the erasure then fails, completing again redoes
      // it from the digests, which the scrub keeps.
      RETURN_IF_ERROR(ScrubRequests(HexDigestsOf(request), caller));
      ASSIGN_OR_RETURN(std::vector<int64_t> tombstones,
                       ledger_->Erase(digests, request.request_id(), caller));
      return absl::StrCat("erased ", tombstones.size(),
                          " identifier(s); tombstones kept");
    }
    case consent::v1::REQUEST_TYPE_RECTIFICATION: {
      ASSIGN_OR_RETURN(crypto::Digest replacement,
                       IdentifierResolver::DigestOf(request.replacement()));
      ASSIGN_OR_RETURN(std::vector<int64_t> copies,
                       ledger_->Rectify(digests[0], replacement,
                                        request.request_id(), caller));
      return absl::StrCat(
          "moved ", copies.size(),
          " fact(s) to the replacement; the old identifier keeps its "
          "refusals, not its consent");
    }
    case consent::v1::REQUEST_TYPE_RESTRICTION:
    case consent::v1::REQUEST_TYPE_OBJECTION: {
      const bool objection =
          request.type() == consent::v1::REQUEST_TYPE_OBJECTION;
      ASSIGN_OR_RETURN(std::vector<int64_t> facts,
                       ledger_->RecordForRequest(
                           digests,
                           objection ? consent::v1::FACT_KIND_OBJECTION
                                     : consent::v1::FACT_KIND_RESTRICTION,
                           request.request_id(), caller));
      return absl::StrCat(objection ? "global objection" : "restriction",
                          " recorded for ", facts.size(), " identifier(s)");
    }
    default:
      return absl::DataLossError("stored request has no known type");
  }
}

absl::StatusOr<bool> RequestDesk::ScrubForReappliedErasure(
    const JournalledErasure& erasure, const access::Caller& caller) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<DataSubjectRequest> dsr = Get(erasure.request_id);
  if (!dsr.ok() && !absl::IsNotFound(dsr.status())) return dsr.status();
  if (dsr.ok() && dsr->state() == consent::v1::REQUEST_STATE_REJECTED) {
    return false;
  }
  absl::flat_hash_set<std::string> digests;
  for (const crypto::Digest& digest : erasure.digests) {
    digests.insert(crypto::DigestHex(digest));
  }
  RETURN_IF_ERROR(ScrubRequests(digests, caller));
  return true;
}

absl::Status RequestDesk::CompleteReappliedErasure(
    const JournalledErasure& erasure, const access::Caller& caller) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<DataSubjectRequest> dsr = Get(erasure.request_id);
  if (absl::IsNotFound(dsr.status())) return absl::OkStatus();
  RETURN_IF_ERROR(dsr.status());
  if (!IsOpen(dsr->state())) return absl::OkStatus();
  dsr->set_state(consent::v1::REQUEST_STATE_COMPLETED);
  consent::v1::RequestEvent* event = dsr->add_history();
  *event->mutable_at() = ToTimestamp(clock_());
  event->set_state(dsr->state());
  event->set_officer(std::string(caller.principal));
  event->set_note(
      "erasure carried out again from the erasure journal: the store was "
      "older than it");
  return Keep(*dsr, caller, "request.completed");
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Complete(
    const access::Caller& caller,
    const consent::v1::CompleteRequestRequest& request) {
  RETURN_IF_ERROR(ValidateIdempotencyKey(request.idempotency_key()));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(DataSubjectRequest dsr, Get(request.request_id()));
  if (TookStepWith(dsr, caller, "request.completed",
                   request.idempotency_key())) {
    return dsr;
  }
  if (dsr.state() != consent::v1::REQUEST_STATE_IDENTITY_VERIFIED) {
    return absl::FailedPreconditionError(
        absl::StrCat("the request is ", StateName(dsr.state()),
                     "; only an IDENTITY_VERIFIED request can be completed"));
  }
  if (!caller.roles.Has(access::Role::kPrivacyOfficer) &&
      dsr.type() != consent::v1::REQUEST_TYPE_ERASURE) {
    return absl::PermissionDeniedError(
        "an admin completes only erasures, as the second principal; a "
        "privacy officer completes the other requests");
  }
  RETURN_IF_ERROR(RoomInHistory(dsr, /*closing=*/true));
  if (limits_.require_second_officer &&
      dsr.type() == consent::v1::REQUEST_TYPE_ERASURE) {
    const std::string verifier = VerifierOf(dsr);
    if (verifier == caller.principal) {
      return absl::PermissionDeniedError(absl::StrCat(
          "four eyes: ", verifier,
          " verified this erasure request; another privacy officer or an "
          "admin must complete it"));
    }
  }
  absl::StatusOr<std::string> done = CarryOut(dsr, caller);
  // Carrying out an erasure scrubbed the kept copy: continue from that.
  ASSIGN_OR_RETURN(dsr, Get(request.request_id()));
  if (!done.ok()) {
    RecordFailedStep(dsr, caller, done.status());
    return done.status();
  }
  dsr.set_state(consent::v1::REQUEST_STATE_COMPLETED);
  consent::v1::RequestEvent* event = dsr.add_history();
  *event->mutable_at() = ToTimestamp(clock_());
  event->set_state(dsr.state());
  event->set_officer(std::string(caller.principal));
  event->set_idempotency_key(
      StepKey("request.completed", request.idempotency_key()));
  event->set_note(*std::move(done));
  RETURN_IF_ERROR(Keep(dsr, caller, "request.completed"));
  return dsr;
}

absl::StatusOr<consent::v1::ExportSubjectResponse> RequestDesk::Export(
    const access::Caller& caller,
    const consent::v1::ExportSubjectRequest& request) {
  consent::v1::ExportSubjectResponse response;
  RETURN_IF_ERROR(
      Change(request.request_id(), caller, /*idempotency_key=*/"",
             "request.exported",
             /*closing=*/false,
             [&](DataSubjectRequest& dsr, consent::v1::RequestEvent& event) {
               return ExportInto(dsr, event, response);
             })
          .status());
  return response;
}

absl::Status RequestDesk::ExportInto(
    DataSubjectRequest& dsr, consent::v1::RequestEvent& event,
    consent::v1::ExportSubjectResponse& response) const {
  if (dsr.type() != consent::v1::REQUEST_TYPE_ACCESS &&
      dsr.type() != consent::v1::REQUEST_TYPE_PORTABILITY) {
    return absl::FailedPreconditionError(
        "only ACCESS and PORTABILITY requests are answered with an export");
  }
  if (dsr.state() != consent::v1::REQUEST_STATE_IDENTITY_VERIFIED &&
      dsr.state() != consent::v1::REQUEST_STATE_COMPLETED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the request is ", StateName(dsr.state()),
        "; the subject's data is exported only once identity is verified"));
  }
  std::vector<DataSubjectRequest> related;
  RETURN_IF_ERROR(
      ForEachRequestAbout(HexDigestsOf(dsr), [&](DataSubjectRequest& kept) {
        related.push_back(std::move(kept));
        return absl::OkStatus();
      }));
  const absl::Time now = clock_();
  ASSIGN_OR_RETURN(consent::v1::SubjectExport document,
                   exporter_->Export(dsr, std::move(related), now));
  ASSIGN_OR_RETURN(*response.mutable_document(),
                   SubjectExporter::ToJson(document));
  response.set_document_sha256(
      crypto::DigestHex(crypto::Sha256(response.document())));
  *dsr.mutable_exported_at() = ToTimestamp(now);
  int facts = 0;
  for (const consent::v1::SubjectRecord& record : document.records()) {
    facts += record.facts_size();
  }
  event.set_note(absl::StrCat(
      "exported ", document.records_size(), " identifier(s), ", facts,
      " fact(s), ", document.requests_size(), " request(s); document sha256 ",
      response.document_sha256()));
  return absl::OkStatus();
}

absl::StatusOr<DataSubjectRequest> RequestDesk::LiftRestriction(
    const access::Caller& caller,
    const consent::v1::LiftRestrictionRequest& request) {
  RETURN_IF_ERROR(RequireText(request.reason(), kMaxReasonLength, "reason"));
  return Change(
      request.request_id(), caller, request.idempotency_key(),
      "request.restriction_lifted",
      /*closing=*/false,
      [&](DataSubjectRequest& dsr, consent::v1::RequestEvent& event) {
        if (dsr.type() != consent::v1::REQUEST_TYPE_RESTRICTION ||
            dsr.state() != consent::v1::REQUEST_STATE_COMPLETED) {
          return absl::FailedPreconditionError(
              "only a COMPLETED RESTRICTION request has a restriction to lift");
        }
        if (dsr.has_restriction_lifted_at()) {
          return absl::FailedPreconditionError(
              "the restriction was lifted already");
        }
        ASSIGN_OR_RETURN(std::vector<crypto::Digest> digests, DigestsOf(dsr));
        RETURN_IF_ERROR(
            ledger_
                ->RecordForRequest(digests,
                                   consent::v1::FACT_KIND_RESTRICTION_LIFTED,
                                   dsr.request_id(), caller)
                .status());
        *dsr.mutable_restriction_lifted_at() = event.at();
        event.set_note(absl::StrCat("restriction lifted: ", request.reason()));
        return absl::OkStatus();
      });
}

absl::StatusOr<DataSubjectRequest> RequestDesk::Get(
    const std::string& request_id) const {
  ASSIGN_OR_RETURN(std::string bytes, store_->LoadRequest(request_id));
  DataSubjectRequest request;
  if (!request.ParseFromString(bytes)) {
    return absl::DataLossError("stored request does not parse");
  }
  return request;
}

absl::StatusOr<consent::v1::ListRequestsResponse> RequestDesk::List(
    const consent::v1::ListRequestsRequest& request) const {
  store::RequestQuery query;
  for (int state : request.states()) {
    if (state == consent::v1::REQUEST_STATE_UNSPECIFIED ||
        !consent::v1::RequestState_IsValid(state)) {
      return absl::InvalidArgumentError("states: unknown state");
    }
    query.states.push_back(static_cast<consent::v1::RequestState>(state));
  }
  if (request.overdue_only()) {
    query.due_before_us = absl::ToUnixMicros(clock_());
    if (query.states.empty()) {
      query.states = {consent::v1::REQUEST_STATE_RECEIVED,
                      consent::v1::REQUEST_STATE_IDENTITY_VERIFIED};
    }
  }
  if (request.page_size() < 0 || request.page_size() > kMaxRequestPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be 0-", kMaxRequestPageSize));
  }
  query.limit = request.page_size() == 0 ? 100 : request.page_size();
  if (!request.page_token().empty()) {
    std::pair<std::string, std::string> cursor =
        absl::StrSplit(request.page_token(), absl::MaxSplits('/', 1));
    if (!absl::SimpleAtoi(cursor.first, &query.after_due_us) ||
        cursor.second.empty()) {
      return absl::InvalidArgumentError("page_token is not one of ours");
    }
    query.after_id = cursor.second;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> kept, store_->ListRequests(query));
  consent::v1::ListRequestsResponse response;
  for (const std::string& bytes : kept) {
    if (!response.add_requests()->ParseFromString(bytes)) {
      return absl::DataLossError("stored request does not parse");
    }
  }
  if (static_cast<int>(kept.size()) == query.limit) {
    const DataSubjectRequest& last =
        response.requests(response.requests_size() - 1);
    response.set_next_page_token(
        absl::StrCat(TimeUtil::TimestampToMicroseconds(last.due_at()), "/",
                     last.request_id()));
  }
  return response;
}

}  // namespace consentd::core
