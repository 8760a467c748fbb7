#include "service/core/consent_ledger.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "crypto/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "policy/decision.h"
#include "service/core/audit_draft.h"
#include "service/core/index_fact.h"
#include "service/core/input_validation.h"

namespace consentd::core {
namespace {

using google::protobuf::util::TimeUtil;
using policy::ScopeId;

// The audit action of recording a fact of `kind`: "fact.objection", ...
std::string FactAction(consent::v1::FactKind kind) {
  const std::string& full = consent::v1::FactKind_Name(kind);
  absl::string_view name = full;
  absl::ConsumePrefix(&name, "FACT_KIND_");
  return absl::StrCat("fact.", absl::AsciiStrToLower(name));
}

absl::string_view RefusalName(consent::v1::FactKind kind) {
  switch (kind) {
    case consent::v1::FACT_KIND_ERASURE:
      return "erasure";
    case consent::v1::FACT_KIND_OBJECTION:
      return "objection";
    default:
      return "consent withdrawal";
  }
}

std::string LiftingMethods(const policy::PolicyModel& policy) {
  std::vector<std::string> names;
  for (int method : policy.proto().refusal_lifting_methods()) {
    names.push_back(consent::v1::CollectionMethod_Name(
        static_cast<consent::v1::CollectionMethod>(method)));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

consent::v1::RecordedFact ToProto(const store::FactRecord& record) {
  consent::v1::RecordedFact out;
  out.set_fact_id(record.fact_id);
  out.set_kind(record.kind);
  out.set_purpose(record.purpose);
  out.set_channel(record.channel);
  out.set_lawful_basis(record.lawful_basis);
  *out.mutable_evidence() = record.evidence;
  *out.mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(record.occurred_us);
  *out.mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(record.recorded_us);
  if (record.expires_us != policy::kNoExpiry) {
    *out.mutable_expires_at() =
        TimeUtil::MicrosecondsToTimestamp(record.expires_us);
  }
  out.set_lifted_refusal(record.lifted_refusal);
  out.set_policy_version(record.policy_version);
  out.set_recorded_by(record.recorded_by);
  return out;
}

// The parts every write response shares.
template <typename Response>
Response Receipt(absl::Span<const int64_t> ids, const store::FactRecord& fact) {
  Response response;
  response.mutable_fact_ids()->Add(ids.begin(), ids.end());
  response.set_policy_version(fact.policy_version);
  *response.mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(fact.recorded_us);
  return response;
}

// The claim a write makes on its request's idempotency key (none without
// one): the request's fingerprint is the SHA-256 of its deterministic
// encoding with the identifiers (and key) left out and their keyed digests
// appended, so the store keeps no digest of an identifier anyone could
// compute. `answer` is the write's response less its fact ids.
template <typename Request>
store::IdempotencyClaim ClaimOf(const access::Caller& caller,
                                const Request& request,
                                absl::Span<const crypto::Digest> digests,
                                const google::protobuf::Message& answer,
                                int64_t recorded_us) {
  store::IdempotencyClaim claim;
  if (request.idempotency_key().empty()) return claim;
  claim.principal = std::string(caller.principal);
  claim.key = request.idempotency_key();
  Request bare = request;
  bare.clear_identifiers();
  bare.clear_idempotency_key();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    bare.SerializeToCodedStream(&coded);
  }
  for (const crypto::Digest& digest : digests) {
    absl::StrAppend(&bytes, crypto::DigestBytes(digest));
  }
  // The method too: one key names one write, of whichever method.
  absl::StrAppend(&bytes, Request::descriptor()->full_name());
  claim.fingerprint = crypto::Sha256(bytes);
  claim.answer = answer.SerializeAsString();
  claim.recorded_us = recorded_us;
  return claim;
}

// The first answer to a write whose key `held` holds, for a retry whose
// claim is `claim`; INVALID_ARGUMENT when the key named another request.
template <typename Response>
absl::StatusOr<Response> Replayed(const store::HeldClaim& held,
                                  const store::IdempotencyClaim& claim) {
  if (held.fingerprint != claim.fingerprint) {
    return absl::InvalidArgumentError(
        "idempotency_key: this principal used it for a different request; "
        "a new write needs a new key");
  }
  Response response;
  if (!response.ParseFromString(held.answer)) {
    return absl::DataLossError(
        "the answer kept for an idempotency key "
        "does not parse");
  }
  response.mutable_fact_ids()->Add(held.fact_ids.begin(), held.fact_ids.end());
  return response;
}

// Answers a queued write from its commit: the first answer for a replay,
// else `fresh` with the new fact ids.
template <typename Response>
absl::StatusOr<Response> Answer(
    absl::StatusOr<CommitQueue::Committed> committed,
    const store::IdempotencyClaim& claim, Response fresh) {
  if (!committed.ok()) return committed.status();
  if (committed->replay.has_value()) {
    return Replayed<Response>(*committed->replay, claim);
  }
  fresh.mutable_fact_ids()->Add(committed->ids.begin(), committed->ids.end());
  return fresh;
}

// Starts a write with a completion and waits for its outcome.
template <typename Response>
absl::StatusOr<Response> Wait(
    absl::FunctionRef<void(ConsentLedger::Completion<Response>)> start) {
  absl::Notification finished;
  absl::StatusOr<Response> outcome;
  start([&](absl::StatusOr<Response> result) {
    outcome = std::move(result);
    finished.Notify();
  });
  finished.WaitForNotification();
  return outcome;
}

}  // namespace

ConsentLedger::ConsentLedger(store::FactStore* store, store::AuditTrail* audit,
                             ErasureJournalFile* journal, FactIndex* index,
                             const LivePolicy* policy,
                             const IdentifierResolver* resolver, Clock clock)
    : store_(store),
      audit_(audit),
      journal_(journal),
      index_(index),
      policy_(policy),
      resolver_(resolver),
      clock_(std::move(clock)),
      commits_(store, index, policy) {}

absl::Status ConsentLedger::LoadIndex() {
  constexpr size_t kChunk = 4096;
  const PolicySnapshot policy = policy_->Current();
  std::vector<FactIndex::Entry> chunk;
  chunk.reserve(kChunk);
  RETURN_IF_ERROR(store_->ScanFacts([&](const store::FactSummary& record) {
    chunk.push_back({record.digest, IndexFactOf(record, *policy)});
    if (chunk.size() == kChunk) {
      index_->Add(chunk);
      chunk.clear();
    }
    return absl::OkStatus();
  }));
  index_->Add(chunk);
  ForgetOldClaims();
  return absl::OkStatus();
}

template <typename Request>
absl::StatusOr<ConsentLedger::PreparedWrite> ConsentLedger::Prepare(
    const policy::PolicyModel& policy, const access::Caller& caller,
    const Request& request, consent::v1::FactKind kind) const {
  RETURN_IF_ERROR(ValidateEvidence(request.evidence()));
  RETURN_IF_ERROR(ValidateIdempotencyKey(request.idempotency_key()));
  const absl::Time now = clock_();
  ASSIGN_OR_RETURN(absl::Time occurred,
                   RequestTime(request.has_occurred_at(), request.occurred_at(),
                               now, /*bounded_future=*/true, "occurred_at"));
  // A clock a little ahead is tolerated, but nothing is dated after its
  // recording: a fact takes effect when recorded, and a grant's validity
  // runs from no later than that.
  occurred = std::min(occurred, now);
  RETURN_IF_ERROR(ValidateIdentifierCount(request.identifiers_size()));
  RETURN_IF_ERROR(ValidateRegion(request.default_region(), "default_region"));
  ASSIGN_OR_RETURN(
      std::vector<ResolvedIdentifier> resolved,
      resolver_->ResolveAll(request.identifiers(), request.default_region()));
  PreparedWrite write;
  for (const ResolvedIdentifier& identifier : resolved) {
    write.digests.push_back(identifier.digest);
  }
  write.fact.kind = kind;
  write.fact.purpose = request.purpose();
  write.fact.channel = request.channel();
  write.fact.evidence = request.evidence();
  write.fact.occurred_us = absl::ToUnixMicros(occurred);
  write.fact.recorded_us = absl::ToUnixMicros(now);
  write.fact.policy_version = policy.version();
  write.fact.recorded_by = std::string(caller.principal);
  write.audit = AuditDraftOf(caller, FactAction(kind), now);
  write.audit.subjects = write.digests;
  return write;
}

std::vector<ScopeId> ConsentLedger::ChannelsCovered(
    const policy::PolicyModel& policy, ScopeId channel) {
  if (channel != policy::kAnyScope) return {channel};
  std::vector<ScopeId> channels;
  for (int c = 1; c <= policy.channel_count(); ++c) {
    channels.push_back(static_cast<ScopeId>(c));
  }
  return channels;
}

absl::StatusOr<bool> ConsentLedger::CheckStandingRefusals(
    const policy::PolicyModel& policy, absl::Span<const crypto::Digest> digests,
    const store::FactRecord& grant, ScopeId purpose, ScopeId channel,
    int64_t now_us) const {
  const std::vector<ScopeId> channels = ChannelsCovered(policy, channel);
  // Every refusal recorded up to now stands against the grant.
  const int64_t at_us = now_us;
  const consent::v1::CollectionMethod method =
      grant.evidence.collection_method();
  // Queued facts first: a fact leaves the queue only once it is indexed.
  std::vector<std::vector<policy::Fact>> facts(digests.size());
  for (size_t i = 0; i < digests.size(); ++i) {
    facts[i] = commits_.PendingFacts(digests[i]);
  }
  index_->WithFacts(
      digests, [&](absl::Span<const absl::Span<const policy::Fact>> indexed) {
        for (size_t i = 0; i < indexed.size(); ++i) {
          facts[i].insert(facts[i].end(), indexed[i].begin(), indexed[i].end());
        }
      });
  bool lifted = false;
  for (size_t i = 0; i < facts.size(); ++i) {
    for (ScopeId c : channels) {
      std::optional<policy::Fact> refusal =
          policy::StandingRefusal(facts[i], {purpose, c, at_us});
      if (!refusal.has_value()) continue;
      std::string where = absl::StrCat(
          "identifiers[", i, "] has a standing ", RefusalName(refusal->kind),
          refusal->fact_id >= kFirstProvisionalFactId
              ? std::string(" (being committed)")
              : absl::StrCat(" (fact ", refusal->fact_id, ")"));
      if (!grant.subject_initiated) {
        return absl::FailedPreconditionError(
            absl::StrCat(where, "; consent collected by ",
                         consent::v1::CollectionMethod_Name(method),
                         " cannot lift it: policy ", policy.version(),
                         " lets only subject-initiated methods do that (",
                         LiftingMethods(policy), ")"));
      }
      if (refusal->effective_us > grant.occurred_us) {
        return absl::FailedPreconditionError(absl::StrCat(
            where, "; consent dated before the refusal cannot lift it"));
      }
      lifted = true;
    }
  }
  return lifted;
}

CommitQueue::Ticket ConsentLedger::Enqueue(
    const PreparedWrite& write, CommitQueue::OnCommitted on_committed,
    store::IdempotencyClaim claim, absl::Status unless_replayed) {
  std::vector<store::FactRecord> records(write.digests.size(), write.fact);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].digest = write.digests[i];
  }
  if (!claim.key.empty()) {
    const std::string name = ClaimName(claim);
    {
      absl::MutexLock lock(&in_flight_mu_);
      ++in_flight_[name];
    }
    on_committed = [this, name, answer = std::move(on_committed)](
                       absl::StatusOr<CommitQueue::Committed> outcome) mutable {
      {
        absl::MutexLock lock(&in_flight_mu_);
        if (--in_flight_[name] == 0) in_flight_.erase(name);
      }
      std::move(answer)(std::move(outcome));
    };
  }
  return commits_.Enqueue(std::move(records), write.audit,
                          std::move(on_committed), std::move(claim),
                          std::move(unless_replayed));
}

template <typename Response>
void ConsentLedger::EnqueueAnswered(const PreparedWrite& write,
                                    store::IdempotencyClaim claim,
                                    Response fresh, Completion<Response>& done,
                                    absl::Status unless_replayed) {
  // The answer compares against a copy: `claim` itself goes to the queue.
  store::IdempotencyClaim claimed = claim;
  Enqueue(
      write,
      [claimed = std::move(claimed), fresh = std::move(fresh),
       done = std::move(done)](
          absl::StatusOr<CommitQueue::Committed> committed) mutable {
        std::move(done)(
            Answer(std::move(committed), claimed, std::move(fresh)));
      },
      std::move(claim), std::move(unless_replayed));
}

std::string ConsentLedger::ClaimName(const store::IdempotencyClaim& claim) {
  return absl::StrCat(claim.principal.size(), ":", claim.principal, claim.key);
}

bool ConsentLedger::InFlight(const store::IdempotencyClaim& claim) const {
  absl::MutexLock lock(&in_flight_mu_);
  return in_flight_.contains(ClaimName(claim));
}

template <typename Response>
absl::StatusOr<bool> ConsentLedger::AnsweredBefore(
    const store::IdempotencyClaim& claim, Completion<Response>& done) {
  if (claim.key.empty()) return false;
  ASSIGN_OR_RETURN(std::optional<store::HeldClaim> held,
                   store_->FindClaim(claim.principal, claim.key));
  if (!held.has_value()) return false;
  // The first write's batch may still be on its way into the index.
  commits_.AwaitIndexed();
  std::move(done)(Replayed<Response>(*held, claim));
  return true;
}

void ConsentLedger::ForgetOldClaims() {
  const absl::Time now = clock_();
  {
    absl::MutexLock lock(&forget_mu_);
    if (now < next_forget_) return;
    next_forget_ = now + kForgetClaimsEvery;
  }
  // Best effort: a claim kept longer only answers a retry longer.
  store_
      ->ForgetClaims(
          absl::ToUnixMicros(now - policy_->Current()->IdempotencyWindow()))
      .IgnoreError();
}

absl::StatusOr<consent::v1::RecordConsentResponse> ConsentLedger::RecordConsent(
    const access::Caller& caller,
    const consent::v1::RecordConsentRequest& request) {
  return Wait<consent::v1::RecordConsentResponse>(
      [&](Completion<consent::v1::RecordConsentResponse> done) {
        RecordConsent(caller, request, std::move(done));
      });
}

void ConsentLedger::RecordConsent(
    const access::Caller& caller,
    const consent::v1::RecordConsentRequest& request,
    Completion<consent::v1::RecordConsentResponse> done) {
  absl::Status refused = QueueConsent(caller, request, done);
  if (!refused.ok()) std::move(done)(std::move(refused));
}

absl::Status ConsentLedger::QueueConsent(
    const access::Caller& caller,
    const consent::v1::RecordConsentRequest& request,
    Completion<consent::v1::RecordConsentResponse>& done) {
  const PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(ScopeId purpose,
                   ResolvePurpose(*policy, request.purpose(), true));
  ASSIGN_OR_RETURN(ScopeId channel,
                   ResolveChannel(*policy, request.channel(), false));
  const bool grant = request.action() == consent::v1::CONSENT_ACTION_GRANT;
  if (!grant && request.action() != consent::v1::CONSENT_ACTION_WITHDRAW) {
    return absl::InvalidArgumentError("action must be GRANT or WITHDRAW");
  }
  if (grant && !caller.roles.Has(access::Role::kCollector)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal ", caller.principal,
        " may record withdrawals and objections; only a collector records "
        "consent grants"));
  }
  if (!consent::v1::LawfulBasis_IsValid(request.lawful_basis())) {
    return absl::InvalidArgumentError("lawful_basis is not a known value");
  }
  ASSIGN_OR_RETURN(PreparedWrite write,
                   Prepare(*policy, caller, request,
                           grant ? consent::v1::FACT_KIND_CONSENT_GRANTED
                                 : consent::v1::FACT_KIND_CONSENT_WITHDRAWN));
  // A retry of a write already made gets its answer, whatever was recorded
  // since (a refusal that would now stop the grant among it).
  store::IdempotencyClaim claim =
      ClaimOf(caller, request, write.digests,
              consent::v1::RecordConsentResponse(), write.fact.recorded_us);
  if (!claim.key.empty()) ForgetOldClaims();
  ASSIGN_OR_RETURN(bool answered, AnsweredBefore(claim, done));
  if (answered) return absl::OkStatus();
  store::FactRecord& fact = write.fact;
  fact.lawful_basis =
      request.lawful_basis() == consent::v1::LAWFUL_BASIS_UNSPECIFIED
          ? consent::v1::LAWFUL_BASIS_CONSENT
          : request.lawful_basis();
  if (grant) {
    fact.expires_us =
        policy::ToUnixMicrosClamped(absl::FromUnixMicros(fact.occurred_us) +
                                    policy->ConsentExpiry(purpose));
    fact.subject_initiated =
        policy->LiftsRefusal(request.evidence().collection_method());
  }

  absl::MutexLock lock(&write_mu_);
  if (grant) {
    absl::StatusOr<bool> lifted = CheckStandingRefusals(
        *policy, write.digests, fact, purpose, channel, fact.recorded_us);
    if (!lifted.ok() && !claim.key.empty()) {
      // A retry of a grant made before the refusal: when its first attempt
      // is still queued, this one joins it (replay-only: its answer, or
      // this refusal if that attempt fails); when it has committed since
      // the look-up above, it gets its answer.
      if (InFlight(claim)) {
        auto response = Receipt<consent::v1::RecordConsentResponse>({}, fact);
        EnqueueAnswered(write, std::move(claim), std::move(response), done,
                        lifted.status());
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(bool answered_since, AnsweredBefore(claim, done));
      if (answered_since) return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(fact.lifted_refusal, std::move(lifted));
    if (fact.lifted_refusal) write.audit.action += ".lifting_refusal";
  }
  auto response = Receipt<consent::v1::RecordConsentResponse>({}, fact);
  response.set_lifted_refusal(fact.lifted_refusal);
  if (!claim.key.empty()) claim.answer = response.SerializeAsString();
  EnqueueAnswered(write, std::move(claim), std::move(response), done);
  return absl::OkStatus();
}

absl::StatusOr<consent::v1::RecordObjectionResponse>
ConsentLedger::RecordObjection(
    const access::Caller& caller,
    const consent::v1::RecordObjectionRequest& request) {
  return Wait<consent::v1::RecordObjectionResponse>(
      [&](Completion<consent::v1::RecordObjectionResponse> done) {
        RecordObjection(caller, request, std::move(done));
      });
}

void ConsentLedger::RecordObjection(
    const access::Caller& caller,
    const consent::v1::RecordObjectionRequest& request,
    Completion<consent::v1::RecordObjectionResponse> done) {
  absl::Status refused = QueueObjection(caller, request, done);
  if (!refused.ok()) std::move(done)(std::move(refused));
}

absl::Status ConsentLedger::QueueObjection(
    const access::Caller& caller,
    const consent::v1::RecordObjectionRequest& request,
    Completion<consent::v1::RecordObjectionResponse>& done) {
  const PolicySnapshot policy = policy_->Current();
  RETURN_IF_ERROR(ResolvePurpose(*policy, request.purpose(), false).status());
  RETURN_IF_ERROR(ResolveChannel(*policy, request.channel(), false).status());
  ASSIGN_OR_RETURN(
      PreparedWrite write,
      Prepare(*policy, caller, request, consent::v1::FACT_KIND_OBJECTION));
  auto response = Receipt<consent::v1::RecordObjectionResponse>({}, write.fact);
  store::IdempotencyClaim claim =
      ClaimOf(caller, request, write.digests, response, write.fact.recorded_us);
  if (!claim.key.empty()) ForgetOldClaims();
  ASSIGN_OR_RETURN(bool answered, AnsweredBefore(claim, done));
  if (answered) return absl::OkStatus();
  absl::MutexLock lock(&write_mu_);
  EnqueueAnswered(write, std::move(claim), std::move(response), done);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> ConsentLedger::RecordForRequest(
    absl::Span<const crypto::Digest> digests, consent::v1::FactKind kind,
    const std::string& request_id, const access::Caller& caller) {
  PreparedWrite write;
  write.digests.assign(digests.begin(), digests.end());
  write.fact.kind = kind;
  write.fact.evidence.set_collection_method(
      consent::v1::COLLECTION_METHOD_WRITTEN_REQUEST);
  write.fact.evidence.set_evidence_reference(request_id);
  write.fact.evidence.set_source("consentd");
  write.fact.occurred_us = absl::ToUnixMicros(clock_());
  write.fact.recorded_us = write.fact.occurred_us;
  write.fact.policy_version = policy_->Current()->version();
  write.fact.recorded_by = std::string(caller.principal);
  write.audit = AuditDraftOf(caller, FactAction(kind),
                             absl::FromUnixMicros(write.fact.recorded_us));
  write.audit.subjects = write.digests;
  write.audit.object_ids.push_back(absl::StrCat("request:", request_id));
  CommitQueue::Ticket ticket;
  {
    absl::MutexLock lock(&write_mu_);
    ticket = Enqueue(write);
  }
  ASSIGN_OR_RETURN(CommitQueue::Committed committed, commits_.Await(ticket));
  return committed.ids;
}

absl::StatusOr<std::vector<int64_t>> ConsentLedger::Erase(
    absl::Span<const crypto::Digest> digests, const std::string& request_id,
    const access::Caller& caller) {
  absl::MutexLock lock(&write_mu_);
  commits_.Drain();
  JournalledErasure erasure;
  erasure.erased_us = absl::ToUnixMicros(clock_());
  erasure.request_id = request_id;
  erasure.digests.assign(digests.begin(), digests.end());
  // Journalled first: once the erasure is acknowledged, no restore of an
  // older database can undo it.
  RETURN_IF_ERROR(journal_->Append(erasure));
  // Every fact goes, whatever its date: the queue is drained and the lock
  // held, so none can be newer than the erasure, even if the clock stepped
  // back since one was recorded.
  return EraseInStore(erasure, std::numeric_limits<int64_t>::max(), caller);
}

absl::StatusOr<std::vector<int64_t>> ConsentLedger::Reapply(
    const JournalledErasure& erasure, const access::Caller& caller) {
  absl::MutexLock lock(&write_mu_);
  commits_.Drain();
  return EraseInStore(erasure, erasure.erased_us, caller);
}

absl::StatusOr<std::vector<int64_t>> ConsentLedger::EraseInStore(
    const JournalledErasure& erasure, int64_t recorded_up_to_us,
    const access::Caller& caller) {
  const absl::Span<const crypto::Digest> digests = erasure.digests;
  const std::string& request_id = erasure.request_id;
  const int64_t now_us = erasure.erased_us;
  const PolicySnapshot policy = policy_->Current();
  std::vector<store::FactRecord> tombstones(digests.size());
  for (size_t i = 0; i < digests.size(); ++i) {
    store::FactRecord& tombstone = tombstones[i];
    tombstone.digest = digests[i];
    tombstone.kind = consent::v1::FACT_KIND_ERASURE;
    tombstone.evidence.set_collection_method(
        consent::v1::COLLECTION_METHOD_WRITTEN_REQUEST);
    tombstone.evidence.set_evidence_reference(request_id);
    tombstone.evidence.set_source("consentd");
    tombstone.occurred_us = now_us;
    tombstone.recorded_us = now_us;
    tombstone.policy_version = policy->version();
    tombstone.recorded_by = std::string(caller.principal);
  }
  // The entry is dated now, in the chain's order; the tombstones keep the
  // erasure's own time.
  store::AuditDraft audit = AuditDraftOf(caller, "subject.erased", clock_());
  audit.subjects.assign(digests.begin(), digests.end());
  audit.object_ids.push_back(absl::StrCat("request:", request_id));
  audit.fact_count = static_cast<int>(tombstones.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                   store_->EraseFacts(digests, tombstones, request_id, now_us,
                                      recorded_up_to_us, audit));
  std::vector<FactIndex::Entry> entries;
  for (size_t i = 0; i < tombstones.size(); ++i) {
    tombstones[i].fact_id = ids[i];
    entries.push_back(
        {tombstones[i].digest, IndexFactOf(tombstones[i], *policy)});
  }
  // Facts recorded after a late erasure stayed in the store: the index
  // holds them too. Should reading them fail, the tombstones alone deny.
  if (recorded_up_to_us != std::numeric_limits<int64_t>::max()) {
    std::vector<FactIndex::Entry> held;
    bool read_all = true;
    for (const crypto::Digest& digest : digests) {
      absl::StatusOr<std::vector<store::FactRecord>> facts =
          store_->FactsFor(digest);
      read_all = read_all && facts.ok();
      if (!read_all) break;
      for (const store::FactRecord& fact : *facts) {
        held.push_back({digest, IndexFactOf(fact, *policy)});
      }
    }
    if (read_all) entries = std::move(held);
  }
  // Checks see the tombstones before anything else can fail.
  index_->Replace(digests, entries);
  // A reader of the store's files (a backup, an operator's sqlite shell)
  // holds the old copies only while its read lasts: give it a moment.
  absl::Status purged = store_->PurgeDeletedCopies();
  for (absl::Duration wait :
       {absl::Milliseconds(20), absl::Milliseconds(200)}) {
    if (!absl::IsUnavailable(purged)) break;
    absl::SleepFor(wait);
    purged = store_->PurgeDeletedCopies();
  }
  RETURN_IF_ERROR(purged);
  return ids;
}

absl::StatusOr<std::vector<int64_t>> ConsentLedger::Rectify(
    const crypto::Digest& from, const crypto::Digest& to,
    const std::string& request_id, const access::Caller& caller) {
  if (from == to) {
    return absl::InvalidArgumentError(
        "the replacement is the identifier it would replace");
  }
  absl::MutexLock lock(&write_mu_);
  commits_.Drain();
  const PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(std::vector<store::FactRecord> moving,
                   store_->FactsFor(from));
  ASSIGN_OR_RETURN(std::vector<store::FactRecord> target, store_->FactsFor(to));
  std::vector<FactIndex::Entry> kept;
  for (const store::FactRecord& fact : moving) {
    if (fact.kind == consent::v1::FACT_KIND_ERASURE) {
      return absl::FailedPreconditionError(
          "the identifier to rectify was erased; nothing is held to move");
    }
    if (fact.kind != consent::v1::FACT_KIND_CONSENT_GRANTED) {
      kept.push_back({from, IndexFactOf(fact, *policy)});
    }
  }
  std::vector<policy::Fact> target_facts;
  for (const store::FactRecord& fact : target) {
    target_facts.push_back(IndexFactOf(fact, *policy));
  }
  const absl::Time now = clock_();
  const int64_t now_us = absl::ToUnixMicros(now);
  std::vector<store::FactRecord> copies = std::move(moving);
  for (store::FactRecord& copy : copies) {
    copy.digest = to;
    if (copy.kind != consent::v1::FACT_KIND_CONSENT_GRANTED) continue;
    // The replacement identifier's own refusals were never the subject's to
    // lift through another identifier's consent.
    const policy::Fact grant = IndexFactOf(copy, *policy);
    for (ScopeId channel : ChannelsCovered(*policy, grant.channel)) {
      if (policy::StandingRefusal(target_facts,
                                  {grant.purpose, channel, now_us})
              .has_value()) {
        copy.subject_initiated = false;
      }
    }
  }
  store::AuditDraft audit = AuditDraftOf(caller, "subject.rectified", now);
  audit.subjects = {from, to};
  audit.object_ids.push_back(absl::StrCat("request:", request_id));
  audit.fact_count = static_cast<int>(copies.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                   store_->RectifyFacts(from, copies, audit));
  std::vector<FactIndex::Entry> entries = std::move(kept);
  for (policy::Fact& fact : target_facts) entries.push_back({to, fact});
  for (size_t i = 0; i < copies.size(); ++i) {
    copies[i].fact_id = ids[i];
    entries.push_back({to, IndexFactOf(copies[i], *policy)});
  }
  const crypto::Digest both[] = {from, to};
  index_->Replace(both, entries);
  return ids;
}

absl::StatusOr<std::vector<consent::v1::RecordedFact>> ConsentLedger::FactsFor(
    const crypto::Digest& digest) const {
  ASSIGN_OR_RETURN(std::vector<store::FactRecord> facts,
                   store_->FactsFor(digest));
  std::vector<consent::v1::RecordedFact> out;
  for (const store::FactRecord& fact : facts) out.push_back(ToProto(fact));
  return out;
}

absl::StatusOr<consent::v1::GetRecordResponse> ConsentLedger::GetRecord(
    const access::Caller& caller,
    const consent::v1::GetRecordRequest& request) const {
  if (!request.has_identifier()) {
    return absl::InvalidArgumentError("identifier is required");
  }
  RETURN_IF_ERROR(ValidateRegion(request.default_region(), "default_region"));
  absl::StatusOr<ResolvedIdentifier> resolved =
      resolver_->Resolve(request.identifier(), request.default_region());
  if (!resolved.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("identifier: ", resolved.status().message()));
  }
  ASSIGN_OR_RETURN(std::vector<consent::v1::RecordedFact> facts,
                   FactsFor(resolved->digest));
  // Reading a person's whole record is audited before it is answered.
  store::AuditDraft audit = AuditDraftOf(caller, "record.read", clock_());
  audit.subjects = {resolved->digest};
  RETURN_IF_ERROR(audit_->Append(audit).status());
  consent::v1::GetRecordResponse response;
  IdentifierResolver::FillProto(*resolved, response.mutable_identifier());
  for (consent::v1::RecordedFact& fact : facts) {
    *response.add_facts() = std::move(fact);
  }
  return response;
}

}  // namespace consentd::core
