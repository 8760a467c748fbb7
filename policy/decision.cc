#include "policy/decision.h"

#include "absl/time/time.h"

namespace consentd::policy {
namespace {

using consent::v1::DecisionReason;
using consent::v1::FactKind;

bool Covers(const Fact& fact, const CheckQuery& query) {
  return (fact.purpose == kAnyScope || fact.purpose == query.purpose) &&
         (fact.channel == kAnyScope || fact.channel == query.channel);
}

bool IsGlobal(const Fact& fact) {
  return fact.purpose == kAnyScope && fact.channel == kAnyScope;
}

// The facts of one identifier as they stood at the query's time.
class FactView {
 public:
  FactView(absl::Span<const Fact> facts, const CheckQuery& query)
      : facts_(facts), query_(query) {}

  // The latest fact of `kind` for which `match` holds, if any.
  template <typename Match>
  const Fact* Latest(FactKind kind, Match match) const {
    const Fact* latest = nullptr;
    for (const Fact& fact : facts_) {
      if (fact.kind != kind || fact.effective_us > query_.at_us ||
          !match(fact)) {
        continue;
      }
      if (latest == nullptr || HappenedAfter(fact, *latest)) latest = &fact;
    }
    return latest;
  }

  // Whether a subject-initiated consent for the query's purpose and channel
  // came after `refusal`.
  bool LiftedAfter(const Fact& refusal) const {
    const Fact* grant =
        Latest(consent::v1::FACT_KIND_CONSENT_GRANTED, [&](const Fact& f) {
          return f.subject_initiated && Covers(f, query_) &&
                 HappenedAfter(f, refusal);
        });
    return grant != nullptr;
  }

  // The latest refusal of `kind` in force: matching, and not lifted.
  template <typename Match>
  const Fact* Standing(FactKind kind, Match match) const {
    const Fact* refusal = Latest(kind, match);
    return refusal != nullptr && !LiftedAfter(*refusal) ? refusal : nullptr;
  }

  const Fact* Erasure() const {
    return Standing(consent::v1::FACT_KIND_ERASURE,
                    [](const Fact&) { return true; });
  }
  const Fact* GlobalObjection() const {
    return Standing(consent::v1::FACT_KIND_OBJECTION, IsGlobal);
  }
  const Fact* ScopedObjection() const {
    return Standing(consent::v1::FACT_KIND_OBJECTION, [&](const Fact& f) {
      return !IsGlobal(f) && Covers(f, query_);
    });
  }
  const Fact* Restriction() const {
    const Fact* restricted = Latest(consent::v1::FACT_KIND_RESTRICTION,
                                    [](const Fact&) { return true; });
    if (restricted == nullptr) return nullptr;
    const Fact* lifted = Latest(consent::v1::FACT_KIND_RESTRICTION_LIFTED,
                                [](const Fact&) { return true; });
    return lifted != nullptr && HappenedAfter(*lifted, *restricted)
               ? nullptr
               : restricted;
  }
  // The latest consent grant or withdrawal covering the query.
  const Fact* LatestConsent() const {
    const Fact* granted =
        Latest(consent::v1::FACT_KIND_CONSENT_GRANTED,
               [&](const Fact& f) { return Covers(f, query_); });
    const Fact* withdrawn =
        Latest(consent::v1::FACT_KIND_CONSENT_WITHDRAWN,
               [&](const Fact& f) { return Covers(f, query_); });
    if (granted == nullptr) return withdrawn;
    if (withdrawn == nullptr) return granted;
    return HappenedAfter(*granted, *withdrawn) ? granted : withdrawn;
  }

 private:
  absl::Span<const Fact> facts_;
  const CheckQuery& query_;
};

IdentifierVerdict Verdict(Precedence precedence, consent::v1::Verdict verdict,
                          DecisionReason reason, const Fact* fact = nullptr) {
  IdentifierVerdict out;
  out.precedence = precedence;
  out.verdict = verdict;
  out.reason = reason;
  out.deciding_fact_id = fact != nullptr ? fact->fact_id : 0;
  return out;
}

IdentifierVerdict Deny(Precedence precedence, DecisionReason reason,
                       const Fact* fact = nullptr) {
  return Verdict(precedence, consent::v1::VERDICT_DENY, reason, fact);
}

IdentifierVerdict Allow(Precedence precedence, DecisionReason reason,
                        const Fact* fact = nullptr) {
  return Verdict(precedence, consent::v1::VERDICT_ALLOW, reason, fact);
}

// "global", or e.g. "purpose=marketing channel=phone": policy vocabulary,
// never personal data.
std::string ObjectionScope(const PolicyModel& policy, const Fact& objection) {
  if (IsGlobal(objection)) return "global";
  std::string scope;
  if (objection.purpose != kAnyScope) {
    scope = "purpose=" + policy.PurposeName(objection.purpose);
  }
  if (objection.channel != kAnyScope) {
    if (!scope.empty()) scope += " ";
    scope += "channel=" + policy.ChannelName(objection.channel);
  }
  return scope;
}

}  // namespace

IdentifierVerdict DecideIdentifier(const PolicyModel& policy,
                                   const CheckQuery& query,
                                   const IdentifierInput& input) {
  if (!input.valid) {
    return Deny(Precedence::kInvalidIdentifier,
                consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
  }
  FactView view(input.facts, query);
  if (const Fact* f = view.Erasure()) {
    return Deny(Precedence::kErased, consent::v1::DECISION_REASON_ERASED, f);
  }
  if (const Fact* f = view.GlobalObjection()) {
    IdentifierVerdict verdict = Deny(Precedence::kGlobalObjection,
                                     consent::v1::DECISION_REASON_OBJECTION, f);
    verdict.detail = ObjectionScope(policy, *f);
    return verdict;
  }
  if (const Fact* f = view.Restriction()) {
    return Deny(Precedence::kRestricted,
                consent::v1::DECISION_REASON_RESTRICTED, f);
  }
  if (!input.lists.empty()) {
    IdentifierVerdict verdict =
        Deny(Precedence::kSuppressionList,
             consent::v1::DECISION_REASON_SUPPRESSION_LIST);
    verdict.detail = std::string(input.lists.front().list_name);
    return verdict;
  }
  if (const Fact* f = view.ScopedObjection()) {
    IdentifierVerdict verdict = Deny(Precedence::kScopedObjection,
                                     consent::v1::DECISION_REASON_OBJECTION, f);
    verdict.detail = ObjectionScope(policy, *f);
    return verdict;
  }
  const Fact* consent = view.LatestConsent();
  if (consent != nullptr &&
      consent->kind == consent::v1::FACT_KIND_CONSENT_WITHDRAWN) {
    return Deny(Precedence::kConsentWithdrawn,
                consent::v1::DECISION_REASON_CONSENT_WITHDRAWN, consent);
  }
  if (consent != nullptr && query.at_us < consent->expires_us) {
    return Allow(Precedence::kConsentGranted,
                 consent::v1::DECISION_REASON_CONSENT_GRANTED, consent);
  }
  if (policy.PurposeBasis(query.purpose) != consent::v1::LAWFUL_BASIS_CONSENT) {
    return Allow(Precedence::kLawfulBasis,
                 consent::v1::DECISION_REASON_LAWFUL_BASIS);
  }
  return consent != nullptr
             ? Deny(Precedence::kConsentExpired,
                    consent::v1::DECISION_REASON_CONSENT_EXPIRED, consent)
             : Deny(Precedence::kNoConsent,
                    consent::v1::DECISION_REASON_NO_CONSENT);
}

ContactVerdict DecideContact(const PolicyModel& policy, const CheckQuery& query,
                             absl::Span<const IdentifierInput> identifiers) {
  ContactVerdict contact;
  if (identifiers.empty()) {
    contact.reason = consent::v1::DECISION_REASON_INVALID_IDENTIFIER;
    return contact;
  }
  contact.identifiers.reserve(identifiers.size());
  for (const IdentifierInput& input : identifiers) {
    contact.identifiers.push_back(DecideIdentifier(policy, query, input));
  }
  size_t strongest = 0;
  for (size_t i = 1; i < contact.identifiers.size(); ++i) {
    if (contact.identifiers[i].precedence <
        contact.identifiers[strongest].precedence) {
      strongest = i;
    }
  }
  const IdentifierVerdict& deciding = contact.identifiers[strongest];
  contact.verdict = deciding.verdict;
  contact.reason = deciding.reason;
  contact.detail = deciding.detail;
  contact.deciding_identifier = strongest;

  if (contact.verdict == consent::v1::VERDICT_ALLOW &&
      policy.CallingHoursApply(query.channel)) {
    for (size_t i = 0; i < identifiers.size(); ++i) {
      if (identifiers[i].phone_region.empty()) continue;
      if (!policy.WithinCallingHours(identifiers[i].phone_region,
                                     absl::FromUnixMicros(query.at_us))) {
        contact.verdict = consent::v1::VERDICT_DENY;
        contact.reason = consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS;
        contact.deciding_identifier = i;
        contact.detail.clear();
      }
      break;
    }
  }
  return contact;
}

std::optional<Fact> StandingRefusal(absl::Span<const Fact> facts,
                                    const CheckQuery& query) {
  FactView view(facts, query);
  for (const Fact* refusal :
       {view.Erasure(), view.GlobalObjection(), view.ScopedObjection()}) {
    if (refusal != nullptr) return *refusal;
  }
  const Fact* consent = view.LatestConsent();
  if (consent != nullptr &&
      consent->kind == consent::v1::FACT_KIND_CONSENT_WITHDRAWN) {
    return *consent;
  }
  return std::nullopt;
}

}  // namespace consentd::policy
