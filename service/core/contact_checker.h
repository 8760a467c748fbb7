// ContactChecker: answers "may I contact this person now?" from memory
// alone (the fact index and the suppression lists; no disk I/O), with the
// decision function of policy/decision.h.
//
// Fails closed: an identifier that cannot be normalised is DENY
// INVALID_IDENTIFIER; a request that cannot be decided at all is an error,
// never an ALLOW.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_CONTACT_CHECKER_H_
#define CONSENTD_SERVICE_CORE_CONTACT_CHECKER_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "consent/v1/consent.pb.h"
#include "policy/decision.h"
#include "policy/policy_model.h"
#include "service/core/clock.h"
#include "service/core/fact_index.h"
#include "service/core/identifier_resolver.h"
#include "service/core/live_policy.h"
#include "service/core/suppression_lists.h"

namespace consentd::core {

class ContactChecker {
 public:
  // Every pointer must outlive the checker.
  ContactChecker(const LivePolicy* policy, const IdentifierResolver* resolver,
                 const FactIndex* index, const SuppressionLists* lists,
                 Clock clock);

  // Fills the empty `response` (which may live on an arena: the answer is
  // built in place). Errors, with `response` left empty: INVALID_ARGUMENT
  // for a missing or unknown purpose or channel, a bad region or timestamp,
  // or too few / too many identifiers.
  absl::Status Check(const consent::v1::CheckRequest& request,
                     consent::v1::CheckResponse* response) const;

  // Each contact decided as by Check, into the empty `response`. Errors as
  // Check, and for more than kMaxBatchContacts contacts,
  // kMaxBatchIdentifiers identifiers in all, or a row id over
  // kMaxRowIdLength.
  absl::Status CheckBatch(const consent::v1::CheckBatchRequest& request,
                          consent::v1::CheckBatchResponse* response) const;

  // The building blocks of Check, for callers that decide many contacts
  // under one purpose, channel, time and policy (CheckBatch, scrubs). The
  // caller takes the policy once (LivePolicy::Current, the checker's
  // `policy`) and names its version in what it answers.

  // The suppression lists `query` consults, as they stand now.
  SuppressionLists::Snapshot ListsApplying(
      const policy::CheckQuery& query) const {
    return lists_->Applying(query);
  }

  // Validates and resolves what a check asks, under `policy`. Errors:
  // INVALID_ARGUMENT for a missing or unknown purpose or channel, a bad
  // region or timestamp, an `at` outside the policy's check_time_window.
  absl::StatusOr<policy::CheckQuery> MakeQuery(
      const policy::PolicyModel& policy, absl::string_view purpose,
      absl::string_view channel, bool has_at,
      const google::protobuf::Timestamp& at,
      absl::string_view default_region) const;

  // A contact's identifiers, as requests carry them.
  using Identifiers =
      google::protobuf::RepeatedPtrField<consent::v1::Identifier>;

  // Decides each of `contacts` by `policy` (the one `query` was made under)
  // into the empty Decision at the same place in
  // `out`, reading the lists and the index once for them all. Each
  // contact's identifier count must already be validated
  // (ValidateIdentifierCount). Decision.identifiers is filled only with
  // `per_identifier`; Decision.policy_version is left to the caller, since
  // a batch names it once rather than in each decision. The suppression
  // lists are `lists` when given (a scrub decides every row against the
  // lists its receipt names), else those applying now.
  void Decide(const policy::PolicyModel& policy,
              absl::Span<const Identifiers* const> contacts,
              absl::string_view default_region, const policy::CheckQuery& query,
              bool per_identifier, absl::Span<consent::v1::Decision* const> out,
              const SuppressionLists::Snapshot* lists = nullptr) const;

 private:
  // Writes one contact's verdict into `out`.
  void Answer(const policy::ContactVerdict& verdict,
              absl::Span<const absl::StatusOr<ResolvedIdentifier>> resolved,
              bool per_identifier, consent::v1::Decision* out) const;

  const LivePolicy* const policy_;
  const IdentifierResolver* const resolver_;
  const FactIndex* const index_;
  const SuppressionLists* const lists_;
  const Clock clock_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_CONTACT_CHECKER_H_
