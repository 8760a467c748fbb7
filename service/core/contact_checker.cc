#include "service/core/contact_checker.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "service/core/input_validation.h"

namespace consentd::core {

ContactChecker::ContactChecker(const LivePolicy* policy,
                               const IdentifierResolver* resolver,
                               const FactIndex* index,
                               const SuppressionLists* lists, Clock clock)
    : policy_(policy),
      resolver_(resolver),
      index_(index),
      lists_(lists),
      clock_(std::move(clock)) {}

absl::StatusOr<policy::CheckQuery> ContactChecker::MakeQuery(
    const policy::PolicyModel& policy, absl::string_view purpose,
    absl::string_view channel, bool has_at,
    const google::protobuf::Timestamp& at,
    absl::string_view default_region) const {
  policy::CheckQuery query;
  ASSIGN_OR_RETURN(query.purpose, ResolvePurpose(policy, purpose, true));
  ASSIGN_OR_RETURN(query.channel, ResolveChannel(policy, channel, true));
  RETURN_IF_ERROR(ValidateRegion(default_region, "default_region"));
  const absl::Time now = clock_();
  ASSIGN_OR_RETURN(absl::Time when,
                   RequestTime(has_at, at, now,
                               /*bounded_future=*/false, "at"));
  if (when < now - policy.CheckMaxPast() ||
      when > now + policy.CheckMaxFuture()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at must lie between ", absl::FormatDuration(policy.CheckMaxPast()),
        " before now and ", absl::FormatDuration(policy.CheckMaxFuture()),
        " after it (policy ", policy.version(), ")"));
  }
  // A past `at` only absorbs clock skew: facts are read as they stand now,
  // so no `at` answers from before a refusal or an erasure.
  query.at_us = absl::ToUnixMicros(std::max(when, now));
  return query;
}

void ContactChecker::Decide(
    const policy::PolicyModel& policy,
    absl::Span<const Identifiers* const> contacts,
    absl::string_view default_region, const policy::CheckQuery& query,
    bool per_identifier, absl::Span<consent::v1::Decision* const> out,
    const SuppressionLists::Snapshot* given_lists) const {
  // Every identifier is resolved first, without a lock; the lists and the
  // index are then read once for all the contacts, not once per identifier
  // (their locks are cache lines every core would otherwise bounce).
  size_t total = 0;
  for (const Identifiers* identifiers : contacts) {
    total += static_cast<size_t>(identifiers->size());
  }
  absl::InlinedVector<absl::StatusOr<ResolvedIdentifier>, 4> resolved;
  absl::InlinedVector<crypto::Digest, 4> digests;
  resolved.reserve(total);
  digests.reserve(total);
  for (const Identifiers* identifiers : contacts) {
    for (const consent::v1::Identifier& identifier : *identifiers) {
      resolved.push_back(resolver_->Resolve(identifier, default_region));
      digests.push_back(resolved.back().ok() ? resolved.back()->digest
                                             : crypto::Digest{});
    }
  }
  // The snapshot keeps the lists alive, and the names the decisions read
  // valid, until the answers are built.
  SuppressionLists::Snapshot applying;
  if (given_lists == nullptr) applying = lists_->Applying(query);
  const SuppressionLists::Snapshot& lists =
      given_lists != nullptr ? *given_lists : applying;
  absl::InlinedVector<absl::InlinedVector<policy::ListMembership, 1>, 4>
      memberships(resolved.size());
  for (const SuppressionLists::ListPtr& list : lists) {
    for (size_t i = 0; i < resolved.size(); ++i) {
      if (resolved[i].ok() && list->digests.contains(digests[i])) {
        memberships[i].push_back({list->name});
      }
    }
  }
  absl::InlinedVector<policy::ContactVerdict, 1> verdicts;
  verdicts.reserve(contacts.size());
  index_->WithFacts(
      digests, [&](absl::Span<const absl::Span<const policy::Fact>> facts) {
        absl::InlinedVector<policy::IdentifierInput, 4> inputs;
        size_t first = 0;
        for (const Identifiers* identifiers : contacts) {
          const size_t count = static_cast<size_t>(identifiers->size());
          inputs.assign(count, policy::IdentifierInput());
          for (size_t i = 0; i < count; ++i) {
            const size_t at = first + i;
            inputs[i].valid = resolved[at].ok();
            if (!inputs[i].valid) continue;
            inputs[i].phone_region = resolved[at]->identifier.phone_region;
            inputs[i].facts = facts[at];
            inputs[i].lists = memberships[at];
          }
          verdicts.push_back(policy::DecideContact(policy, query, inputs));
          first += count;
        }
      });
  size_t first = 0;
  for (size_t c = 0; c < contacts.size(); ++c) {
    const size_t count = static_cast<size_t>(contacts[c]->size());
    Answer(verdicts[c], absl::MakeConstSpan(resolved).subspan(first, count),
           per_identifier, out[c]);
    first += count;
  }
}

void ContactChecker::Answer(
    const policy::ContactVerdict& verdict,
    absl::Span<const absl::StatusOr<ResolvedIdentifier>> resolved,
    bool per_identifier, consent::v1::Decision* out) const {
  // Empty strings are left unset (the same message in proto3): each set
  // string costs an allocation off an arena.
  out->set_verdict(verdict.verdict);
  out->set_reason(verdict.reason);
  out->set_deciding_identifier(
      static_cast<int32_t>(verdict.deciding_identifier));
  if (!verdict.detail.empty()) out->set_detail(verdict.detail);
  if (!per_identifier) return;
  out->mutable_identifiers()->Reserve(
      static_cast<int>(verdict.identifiers.size()));
  for (size_t i = 0; i < verdict.identifiers.size(); ++i) {
    const policy::IdentifierVerdict& one = verdict.identifiers[i];
    consent::v1::IdentifierDecision* decision = out->add_identifiers();
    decision->set_verdict(one.verdict);
    decision->set_reason(one.reason);
    decision->set_deciding_fact_id(one.deciding_fact_id);
    if (!one.detail.empty()) decision->set_detail(one.detail);
    if (resolved[i].ok()) {
      IdentifierResolver::FillProto(*resolved[i],
                                    decision->mutable_identifier());
    }
  }
}

absl::Status ContactChecker::Check(const consent::v1::CheckRequest& request,
                                   consent::v1::CheckResponse* response) const {
  RETURN_IF_ERROR(ValidateIdentifierCount(request.identifiers_size()));
  const PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(
      policy::CheckQuery query,
      MakeQuery(*policy, request.purpose(), request.channel(), request.has_at(),
                request.at(), request.default_region()));
  const Identifiers* contact = &request.identifiers();
  consent::v1::Decision* decision = response->mutable_decision();
  Decide(*policy, {&contact, 1}, request.default_region(), query,
         /*per_identifier=*/true, {&decision, 1});
  decision->set_policy_version(policy->version());
  return absl::OkStatus();
}

absl::Status ContactChecker::CheckBatch(
    const consent::v1::CheckBatchRequest& request,
    consent::v1::CheckBatchResponse* response) const {
  if (request.contacts_size() < 1 ||
      request.contacts_size() > kMaxBatchContacts) {
    return absl::InvalidArgumentError(absl::StrCat("contacts: need 1 to ",
                                                   kMaxBatchContacts, ", got ",
                                                   request.contacts_size()));
  }
  int total = 0;
  for (int i = 0; i < request.contacts_size(); ++i) {
    const consent::v1::BatchContact& contact = request.contacts(i);
    if (absl::Status s = ValidateIdentifierCount(contact.identifiers_size());
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("contacts[", i, "].", s.message()));
    }
    if (contact.row_id().size() > kMaxRowIdLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "contacts[", i, "].row_id is longer than ", kMaxRowIdLength));
    }
    total += contact.identifiers_size();
  }
  if (total > kMaxBatchIdentifiers) {
    return absl::InvalidArgumentError(
        absl::StrCat("identifiers: at most ", kMaxBatchIdentifiers,
                     " in one batch, got ", total));
  }
  const PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(
      policy::CheckQuery query,
      MakeQuery(*policy, request.purpose(), request.channel(), request.has_at(),
                request.at(), request.default_region()));
  std::vector<const Identifiers*> contacts;
  std::vector<consent::v1::Decision*> decisions;
  contacts.reserve(static_cast<size_t>(request.contacts_size()));
  decisions.reserve(static_cast<size_t>(request.contacts_size()));
  response->mutable_decisions()->Reserve(request.contacts_size());
  for (const consent::v1::BatchContact& contact : request.contacts()) {
    consent::v1::BatchDecision* decision = response->add_decisions();
    if (!contact.row_id().empty()) decision->set_row_id(contact.row_id());
    contacts.push_back(&contact.identifiers());
    decisions.push_back(decision->mutable_decision());
  }
  Decide(*policy, contacts, request.default_region(), query,
         request.include_identifiers(), decisions);
  // Once for the batch: repeated in every decision it would be a large share
  // of the answer's bytes and an allocation per contact on both sides.
  response->set_policy_version(policy->version());
  return absl::OkStatus();
}

}  // namespace consentd::core
