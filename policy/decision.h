// The decision function of SPEC §3: may this person be contacted for this
// purpose over this channel at this time? Pure: no I/O, no clock, no locks.
//
// Per identifier, strongest first (the Precedence enum below):
//   invalid identifier -> erased -> global objection -> restriction ->
//   suppression list -> objection (purpose/channel) -> consent withdrawn ->
//   consent granted and unexpired (ALLOW) -> the purpose's lawful basis
//   (consent: DENY NO_CONSENT / CONSENT_EXPIRED; any other basis: ALLOW).
// An erasure or objection stops counting, for the purpose and channel of a
// later consent, once the person gives that consent by a subject-initiated
// method (the grant carries `subject_initiated`).
//
// Per contact: every identifier is decided and the one with the strongest
// precedence decides. Refusals on any identifier therefore deny, and consent
// on any identifier of the person satisfies a consent requirement. Finally an
// ALLOW over a channel with calling hours becomes DENY OUTSIDE_CALLING_HOURS
// when the first phone number's region is outside its hours.
#ifndef CONSENTD_POLICY_DECISION_H_
#define CONSENTD_POLICY_DECISION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "consent/v1/types.pb.h"
#include "policy/fact.h"
#include "policy/policy_model.h"

namespace consentd::policy {

// What is asked: purpose and channel are concrete (never kAnyScope).
struct CheckQuery {
  ScopeId purpose = kAnyScope;
  ScopeId channel = kAnyScope;
  int64_t at_us = 0;
};

// An external suppression list that contains the identifier.
struct ListMembership {
  absl::string_view list_name;
};

// Everything known about one identifier of a contact.
struct IdentifierInput {
  // False when the identifier could not be normalised.
  bool valid = true;
  // Region of a phone number ("SI"); empty for other kinds.
  absl::string_view phone_region;
  // Every fact recorded for the identifier, in any order.
  absl::Span<const Fact> facts;
  absl::Span<const ListMembership> lists;
};

// The steps of the precedence, strongest first.
enum class Precedence {
  kInvalidIdentifier,
  kErased,
  kGlobalObjection,
  kRestricted,
  kSuppressionList,
  kScopedObjection,
  kConsentWithdrawn,
  kConsentGranted,
  kLawfulBasis,
  kConsentExpired,
  kNoConsent,
};

struct IdentifierVerdict {
  // The step that decided; compared across the identifiers of a contact.
  Precedence precedence = Precedence::kInvalidIdentifier;
  consent::v1::Verdict verdict = consent::v1::VERDICT_DENY;
  consent::v1::DecisionReason reason = consent::v1::DECISION_REASON_UNSPECIFIED;
  // The fact that decided, 0 when none did.
  int64_t deciding_fact_id = 0;
  // "global" or the scope of an OBJECTION; the list of a SUPPRESSION_LIST.
  std::string detail;
};

struct ContactVerdict {
  consent::v1::Verdict verdict = consent::v1::VERDICT_DENY;
  consent::v1::DecisionReason reason = consent::v1::DECISION_REASON_UNSPECIFIED;
  size_t deciding_identifier = 0;
  std::string detail;
  // One per input identifier, in input order. Most contacts have one or
  // two: inline, no allocation.
  absl::InlinedVector<IdentifierVerdict, 2> identifiers;
};

// Decides for one identifier. Facts that occurred after `query.at_us` are
// ignored.
IdentifierVerdict DecideIdentifier(const PolicyModel& policy,
                                   const CheckQuery& query,
                                   const IdentifierInput& input);

// Decides for a contact known by `identifiers` (at least one). With none the
// answer is DENY: the service never allows what it cannot decide.
ContactVerdict DecideContact(const PolicyModel& policy, const CheckQuery& query,
                             absl::Span<const IdentifierInput> identifiers);

// The refusal that would stop consent for `query` being recorded: an active
// erasure, objection or withdrawal covering the query. Restriction and
// suppression lists are not refusals of this kind (consent cannot lift
// them). Returns the refusing fact, or nullopt.
std::optional<Fact> StandingRefusal(absl::Span<const Fact> facts,
                                    const CheckQuery& query);

}  // namespace consentd::policy

#endif  // CONSENTD_POLICY_DECISION_H_
