#include "service/core/contact_checker.h"

#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "service/core/input_validation.h"

namespace consentd::core {

ContactChecker::ContactChecker(const policy::PolicyModel* policy,
                               const IdentifierResolver* resolver,
                               const SuppressionIndex* index,
                               const SuppressionLists* lists, Clock clock)
    : policy_(policy),
      resolver_(resolver),
      index_(index),
      lists_(lists),
      clock_(std::move(clock)) {}

absl::StatusOr<policy::CheckQuery> ContactChecker::MakeQuery(
    absl::string_view purpose, absl::string_view channel, bool has_at,
    const google::protobuf::Timestamp& at,
    absl::string_view default_region) const {
  policy::CheckQuery query;
  ASSIGN_OR_RETURN(query.purpose, ResolvePurpose(*policy_, purpose, true));
  ASSIGN_OR_RETURN(query.channel, ResolveChannel(*policy_, channel, true));
  RETURN_IF_ERROR(ValidateRegion(default_region, "default_region"));
  ASSIGN_OR_RETURN(absl::Time when,
                   RequestTime(has_at, at, clock_(),
                               /*bounded_future=*/false, "at"));
  query.at_us = absl::ToUnixMicros(when);
  return query;
}

void ContactChecker::Decide(
    const google::protobuf::RepeatedPtrField<consent::v1::Identifier>&
        identifiers,
    absl::string_view default_region, const policy::CheckQuery& query,
    bool per_identifier, consent::v1::Decision* out) const {
  const size_t count = static_cast<size_t>(identifiers.size());
  absl::InlinedVector<absl::StatusOr<ResolvedIdentifier>, 4> resolved;
  absl::InlinedVector<crypto::Digest, 4> digests;
  // The lists holding each identifier; the pointers keep the lists alive
  // (and the names the decision reads valid) until the answer is built.
  absl::InlinedVector<absl::InlinedVector<SuppressionLists::ListPtr, 1>, 4>
      holding(count);
  absl::InlinedVector<std::vector<policy::ListMembership>, 4> memberships(
      count);
  for (size_t i = 0; i < count; ++i) {
    resolved.push_back(
        resolver_->Resolve(identifiers[static_cast<int>(i)], default_region));
    if (!resolved[i].ok()) {
      digests.push_back(crypto::Digest{});
      continue;
    }
    digests.push_back(resolved[i]->digest);
    holding[i] = lists_->Holding(resolved[i]->digest, query);
    for (const SuppressionLists::ListPtr& list : holding[i]) {
      memberships[i].push_back({list->name});
    }
  }
  policy::ContactVerdict verdict = index_->WithFacts(
      digests, [&](absl::Span<const absl::Span<const policy::Fact>> facts) {
        absl::InlinedVector<policy::IdentifierInput, 4> inputs(count);
        for (size_t i = 0; i < count; ++i) {
          inputs[i].valid = resolved[i].ok();
          if (!inputs[i].valid) continue;
          inputs[i].phone_region = resolved[i]->identifier.phone_region;
          inputs[i].facts = facts[i];
          inputs[i].lists = memberships[i];
        }
        return policy::DecideContact(*policy_, query, inputs);
      });

  // Empty strings are left unset (the same message in proto3): each set
  // string costs an allocation off an arena.
  out->set_verdict(verdict.verdict);
  out->set_reason(verdict.reason);
  out->set_deciding_identifier(
      static_cast<int32_t>(verdict.deciding_identifier));
  out->set_policy_version(policy_->version());
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
  ASSIGN_OR_RETURN(
      policy::CheckQuery query,
      MakeQuery(request.purpose(), request.channel(), request.has_at(),
                request.at(), request.default_region()));
  Decide(request.identifiers(), request.default_region(), query,
         /*per_identifier=*/true, response->mutable_decision());
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
  ASSIGN_OR_RETURN(
      policy::CheckQuery query,
      MakeQuery(request.purpose(), request.channel(), request.has_at(),
                request.at(), request.default_region()));
  response->mutable_decisions()->Reserve(request.contacts_size());
  for (const consent::v1::BatchContact& contact : request.contacts()) {
    consent::v1::BatchDecision* decision = response->add_decisions();
    if (!contact.row_id().empty()) decision->set_row_id(contact.row_id());
    Decide(contact.identifiers(), request.default_region(), query,
           request.include_identifiers(), decision->mutable_decision());
  }
  return absl::OkStatus();
}

}  // namespace consentd::core
