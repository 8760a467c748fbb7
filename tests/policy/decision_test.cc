#include "policy/decision.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace consentd::policy {
namespace {

using consent::v1::DecisionReason;

constexpr char kPolicy[] = R"pb(
  version: "decision-test"
  purposes {
    name: "marketing"
    lawful_basis: LAWFUL_BASIS_CONSENT
    consent_expiry_days: 30
  }
  purposes { name: "care" lawful_basis: LAWFUL_BASIS_LEGITIMATE_INTEREST }
  channels { name: "phone" calling_hours_apply: true }
  channels { name: "email" }
  refusal_lifting_methods: COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN
  calling_hours {
    region: "SI"
    time_zone: "Europe/Ljubljana"
    windows {
      days: [
        WEEKDAY_MONDAY,
        WEEKDAY_TUESDAY,
        WEEKDAY_WEDNESDAY,
        WEEKDAY_THURSDAY,
        WEEKDAY_FRIDAY
      ]
      start_minute: 480
      end_minute: 1200
    }
  }
)pb";

constexpr ScopeId kMarketing = 1;
constexpr ScopeId kCare = 2;
constexpr ScopeId kPhone = 1;
constexpr ScopeId kEmail = 2;

// Monday 2026-11-23 10:00 in Ljubljana: inside calling hours.
int64_t Hour(int h) {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Ljubljana", &zone);
  return absl::ToUnixMicros(
      absl::FromCivil(absl::CivilHour(2026, 11, 23, 10), zone) +
      absl::Hours(h));
}

const PolicyModel& TestPolicy() {
  static const PolicyModel* const policy =
      new PolicyModel(*PolicyModel::FromTextProto(kPolicy));
  return *policy;
}

// The facts of one identifier, built up in a test.
class History {
 public:
  History& Add(consent::v1::FactKind kind, ScopeId purpose, ScopeId channel,
               int64_t at, bool subject_initiated = false) {
    Fact fact;
    fact.fact_id = static_cast<int64_t>(facts_.size()) + 1;
    fact.kind = kind;
    fact.purpose = purpose;
    fact.channel = channel;
    fact.effective_us = at;
    fact.subject_initiated = subject_initiated;
    if (kind == consent::v1::FACT_KIND_CONSENT_GRANTED) {
      fact.expires_us =
          at + absl::ToInt64Microseconds(TestPolicy().ConsentExpiry(purpose));
    }
    facts_.push_back(fact);
    return *this;
  }
  History& Grant(ScopeId purpose, ScopeId channel, int64_t at,
                 bool subject_initiated = false) {
    return Add(consent::v1::FACT_KIND_CONSENT_GRANTED, purpose, channel, at,
               subject_initiated);
  }
  History& Withdraw(ScopeId purpose, ScopeId channel, int64_t at) {
    return Add(consent::v1::FACT_KIND_CONSENT_WITHDRAWN, purpose, channel, at);
  }
  History& Object(ScopeId purpose, ScopeId channel, int64_t at) {
    return Add(consent::v1::FACT_KIND_OBJECTION, purpose, channel, at);
  }
  History& List(absl::string_view name) {
    lists_.push_back({name});
    return *this;
  }

  IdentifierInput Input() const {
    IdentifierInput input;
    input.facts = facts_;
    input.lists = lists_;
    return input;
  }
  const std::vector<Fact>& facts() const { return facts_; }

 private:
  std::vector<Fact> facts_;
  std::vector<ListMembership> lists_;
};

IdentifierVerdict Decide(const History& history, ScopeId purpose = kMarketing,
                         ScopeId channel = kPhone, int64_t at = Hour(3)) {
  return DecideIdentifier(TestPolicy(), {purpose, channel, at},
                          history.Input());
}

TEST(DecisionTest, NothingRecordedForAConsentPurposeDeniesNoConsent) {
  IdentifierVerdict verdict = Decide(History());
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_DENY);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_NO_CONSENT);
  EXPECT_EQ(verdict.deciding_fact_id, 0);
}

TEST(DecisionTest, NothingRecordedForALegitimateInterestPurposeAllows) {
  IdentifierVerdict verdict = Decide(History(), kCare);
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST(DecisionTest, GrantedConsentAllowsAndNamesTheFact) {
  History history;
  history.Grant(kMarketing, kPhone, Hour(0));
  IdentifierVerdict verdict = Decide(history);
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_CONSENT_GRANTED);
  EXPECT_EQ(verdict.deciding_fact_id, 1);
}

TEST(DecisionTest, ConsentForEveryChannelCoversEachChannel) {
  History history;
  history.Grant(kMarketing, kAnyScope, Hour(0));
  EXPECT_EQ(Decide(history, kMarketing, kEmail).reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST(DecisionTest, ConsentForOneChannelDoesNotCoverAnother) {
  History history;
  history.Grant(kMarketing, kEmail, Hour(0));
  EXPECT_EQ(Decide(history, kMarketing, kPhone).reason,
            consent::v1::DECISION_REASON_NO_CONSENT);
}

TEST(DecisionTest, ExpiredConsentDeniesForAConsentPurpose) {
  History history;
  history.Grant(kMarketing, kPhone, Hour(0));
  int64_t after_expiry = Hour(31 * 24);
  IdentifierVerdict verdict = DecideIdentifier(
      TestPolicy(), {kMarketing, kPhone, after_expiry}, history.Input());
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_CONSENT_EXPIRED);
  EXPECT_EQ(verdict.deciding_fact_id, 1);
}

TEST(DecisionTest, ExpiredConsentFallsBackToALegitimateInterest) {
  History history;
  history.Grant(kCare, kPhone, Hour(0));
  std::vector<Fact> facts = history.facts();
  facts[0].expires_us = Hour(1);
  IdentifierInput input;
  input.facts = facts;
  EXPECT_EQ(
      DecideIdentifier(TestPolicy(), {kCare, kPhone, Hour(3)}, input).reason,
      consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST(DecisionTest, WithdrawalDeniesEvenALegitimateInterestPurpose) {
  History history;
  history.Withdraw(kCare, kAnyScope, Hour(0));
  EXPECT_EQ(Decide(history, kCare).reason,
            consent::v1::DECISION_REASON_CONSENT_WITHDRAWN);
}

TEST(DecisionTest, TheLatestOfGrantAndWithdrawalDecides) {
  History withdrawn_last;
  withdrawn_last.Grant(kMarketing, kPhone, Hour(0))
      .Withdraw(kMarketing, kPhone, Hour(1));
  EXPECT_EQ(Decide(withdrawn_last).reason,
            consent::v1::DECISION_REASON_CONSENT_WITHDRAWN);

  History granted_last;
  granted_last.Withdraw(kMarketing, kPhone, Hour(0))
      .Grant(kMarketing, kPhone, Hour(1), /*subject_initiated=*/true);
  EXPECT_EQ(Decide(granted_last).reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST(DecisionTest, FactsAfterTheCheckTimeAreIgnored) {
  History history;
  history.Grant(kMarketing, kPhone, Hour(0))
      .Object(kAnyScope, kAnyScope, Hour(5));
  EXPECT_EQ(Decide(history, kMarketing, kPhone, Hour(3)).reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  EXPECT_EQ(Decide(history, kMarketing, kPhone, Hour(6)).reason,
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST(DecisionTest, GlobalObjectionSaysGlobal) {
  History history;
  history.Object(kAnyScope, kAnyScope, Hour(0));
  IdentifierVerdict verdict = Decide(history);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(verdict.detail, "global");
  EXPECT_EQ(verdict.precedence, Precedence::kGlobalObjection);
}

TEST(DecisionTest, ScopedObjectionNamesItsScopeAndCoversOnlyIt) {
  History history;
  history.Object(kAnyScope, kPhone, Hour(0));
  IdentifierVerdict verdict = Decide(history, kCare, kPhone);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(verdict.detail, "channel=phone");
  EXPECT_EQ(Decide(history, kCare, kEmail).reason,
            consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST(DecisionTest, SubjectInitiatedConsentLiftsAnObjectionForItsScopeOnly) {
  History history;
  history.Object(kAnyScope, kAnyScope, Hour(0))
      .Grant(kMarketing, kPhone, Hour(1), /*subject_initiated=*/true);
  EXPECT_EQ(Decide(history, kMarketing, kPhone).reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  EXPECT_EQ(Decide(history, kMarketing, kEmail).reason,
            consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(Decide(history, kCare, kPhone).reason,
            consent::v1::DECISION_REASON_OBJECTION);
}

TEST(DecisionTest, ConsentNotSubjectInitiatedNeverLiftsAnObjection) {
  History history;
  history.Object(kAnyScope, kAnyScope, Hour(0))
      .Grant(kMarketing, kPhone, Hour(1), /*subject_initiated=*/false);
  EXPECT_EQ(Decide(history).reason, consent::v1::DECISION_REASON_OBJECTION);
}

TEST(DecisionTest, ConsentGivenBeforeAnObjectionDoesNotLiftIt) {
  History history;
  history.Grant(kMarketing, kPhone, Hour(0), /*subject_initiated=*/true)
      .Object(kAnyScope, kAnyScope, Hour(1));
  EXPECT_EQ(Decide(history).reason, consent::v1::DECISION_REASON_OBJECTION);
}

TEST(DecisionTest, SubjectInitiatedConsentLiftsAnErasureTombstone) {
  History history;
  history.Add(consent::v1::FACT_KIND_ERASURE, kAnyScope, kAnyScope, Hour(0))
      .Grant(kMarketing, kEmail, Hour(1), /*subject_initiated=*/true);
  EXPECT_EQ(Decide(history, kMarketing, kEmail).reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
  EXPECT_EQ(Decide(history, kMarketing, kPhone).reason,
            consent::v1::DECISION_REASON_ERASED);
}

TEST(DecisionTest, ConsentNeverLiftsARestriction) {
  History history;
  history.Add(consent::v1::FACT_KIND_RESTRICTION, kAnyScope, kAnyScope, Hour(0))
      .Grant(kMarketing, kPhone, Hour(1), /*subject_initiated=*/true);
  EXPECT_EQ(Decide(history).reason, consent::v1::DECISION_REASON_RESTRICTED);
}

TEST(DecisionTest, ALiftedRestrictionNoLongerDenies) {
  History history;
  history.Add(consent::v1::FACT_KIND_RESTRICTION, kAnyScope, kAnyScope, Hour(0))
      .Add(consent::v1::FACT_KIND_RESTRICTION_LIFTED, kAnyScope, kAnyScope,
           Hour(1));
  EXPECT_EQ(Decide(history, kCare).reason,
            consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST(DecisionTest, SuppressionListNamesTheList) {
  History history;
  history.List("si-national-dnc");
  IdentifierVerdict verdict = Decide(history, kCare);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(verdict.detail, "si-national-dnc");
}

// Every pair of precedence levels: with the facts of both recorded, the
// stronger decides, whichever was recorded first.
struct Level {
  const char* name;
  DecisionReason reason;
  void (*record)(History&, int64_t at);
};

const std::vector<Level>& Levels() {
  static const std::vector<Level>* const levels = new std::vector<Level>{
      {"erased", consent::v1::DECISION_REASON_ERASED,
       [](History& h, int64_t at) {
         h.Add(consent::v1::FACT_KIND_ERASURE, kAnyScope, kAnyScope, at);
       }},
      {"global_objection", consent::v1::DECISION_REASON_OBJECTION,
       [](History& h, int64_t at) { h.Object(kAnyScope, kAnyScope, at); }},
      {"restricted", consent::v1::DECISION_REASON_RESTRICTED,
       [](History& h, int64_t at) {
         h.Add(consent::v1::FACT_KIND_RESTRICTION, kAnyScope, kAnyScope, at);
       }},
      {"suppression_list", consent::v1::DECISION_REASON_SUPPRESSION_LIST,
       [](History& h, int64_t) { h.List("dnc"); }},
      {"scoped_objection", consent::v1::DECISION_REASON_OBJECTION,
       [](History& h, int64_t at) { h.Object(kMarketing, kAnyScope, at); }},
      {"withdrawn", consent::v1::DECISION_REASON_CONSENT_WITHDRAWN,
       [](History& h, int64_t at) { h.Withdraw(kMarketing, kPhone, at); }},
      {"granted", consent::v1::DECISION_REASON_CONSENT_GRANTED,
       [](History& h, int64_t at) { h.Grant(kMarketing, kPhone, at); }},
  };
  return *levels;
}

struct Pair {
  size_t stronger;
  size_t weaker;
  bool stronger_first;
};

class PrecedencePairTest : public ::testing::TestWithParam<Pair> {};

TEST_P(PrecedencePairTest, StrongerLevelDecides) {
  const Level& stronger = Levels()[GetParam().stronger];
  const Level& weaker = Levels()[GetParam().weaker];
  History history;
  if (GetParam().stronger_first) {
    stronger.record(history, Hour(0));
    weaker.record(history, Hour(1));
  } else {
    weaker.record(history, Hour(0));
    stronger.record(history, Hour(1));
  }
  EXPECT_EQ(Decide(history).reason, stronger.reason);
  EXPECT_EQ(Decide(history).verdict, consent::v1::VERDICT_DENY);
}

std::vector<Pair> AllPairs() {
  std::vector<Pair> pairs;
  for (size_t i = 0; i < Levels().size(); ++i) {
    for (size_t j = i + 1; j < Levels().size(); ++j) {
      pairs.push_back({i, j, false});
      // A later grant after a withdrawal is a new consent (its stickiness
      // is enforced when it is recorded): that order is tested above.
      if (!(Levels()[i].reason ==
                consent::v1::DECISION_REASON_CONSENT_WITHDRAWN &&
            Levels()[j].reason ==
                consent::v1::DECISION_REASON_CONSENT_GRANTED)) {
        pairs.push_back({i, j, true});
      }
    }
  }
  return pairs;
}

INSTANTIATE_TEST_SUITE_P(
    EveryPair, PrecedencePairTest, ::testing::ValuesIn(AllPairs()),
    [](const ::testing::TestParamInfo<Pair>& param_info) {
      return std::string(Levels()[param_info.param.stronger].name) + "_over_" +
             Levels()[param_info.param.weaker].name +
             (param_info.param.stronger_first ? "_recorded_first"
                                              : "_recorded_last");
    });

TEST(DecisionTest, AnInvalidIdentifierDeniesTheContact) {
  History granted;
  granted.Grant(kMarketing, kPhone, Hour(0));
  IdentifierInput invalid;
  invalid.valid = false;
  std::vector<IdentifierInput> inputs = {granted.Input(), invalid};
  ContactVerdict verdict =
      DecideContact(TestPolicy(), {kMarketing, kPhone, Hour(3)}, inputs);
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_DENY);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
  EXPECT_EQ(verdict.deciding_identifier, 1u);
  ASSERT_EQ(verdict.identifiers.size(), 2u);
  EXPECT_EQ(verdict.identifiers[0].reason,
            consent::v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST(DecisionTest, ARefusalOnAnyIdentifierDeniesTheContact) {
  History granted, objected;
  granted.Grant(kMarketing, kPhone, Hour(0));
  objected.Object(kAnyScope, kAnyScope, Hour(0));
  std::vector<IdentifierInput> inputs = {granted.Input(), objected.Input()};
  ContactVerdict verdict =
      DecideContact(TestPolicy(), {kMarketing, kPhone, Hour(3)}, inputs);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(verdict.deciding_identifier, 1u);
}

TEST(DecisionTest, ConsentOnOneIdentifierCoversThePerson) {
  History granted, nothing;
  granted.Grant(kMarketing, kPhone, Hour(0));
  std::vector<IdentifierInput> inputs = {nothing.Input(), granted.Input()};
  ContactVerdict verdict =
      DecideContact(TestPolicy(), {kMarketing, kPhone, Hour(3)}, inputs);
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_ALLOW);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_CONSENT_GRANTED);
  EXPECT_EQ(verdict.deciding_identifier, 1u);
}

TEST(DecisionTest, AContactWithoutIdentifiersIsDenied) {
  ContactVerdict verdict =
      DecideContact(TestPolicy(), {kCare, kPhone, Hour(3)}, {});
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_DENY);
}

TEST(DecisionTest, AnAllowedCallOutsideCallingHoursIsDenied) {
  IdentifierInput phone;
  phone.phone_region = "SI";
  std::vector<IdentifierInput> inputs = {phone};
  int64_t sunday = Hour(-24);
  ContactVerdict verdict =
      DecideContact(TestPolicy(), {kCare, kPhone, sunday}, inputs);
  EXPECT_EQ(verdict.verdict, consent::v1::VERDICT_DENY);
  EXPECT_EQ(verdict.reason, consent::v1::DECISION_REASON_OUTSIDE_CALLING_HOURS);
  EXPECT_EQ(
      DecideContact(TestPolicy(), {kCare, kPhone, Hour(3)}, inputs).verdict,
      consent::v1::VERDICT_ALLOW);
}

TEST(DecisionTest, CallingHoursDoNotApplyToEmail) {
  IdentifierInput phone;
  phone.phone_region = "SI";
  std::vector<IdentifierInput> inputs = {phone};
  EXPECT_EQ(
      DecideContact(TestPolicy(), {kCare, kEmail, Hour(-24)}, inputs).reason,
      consent::v1::DECISION_REASON_LAWFUL_BASIS);
}

TEST(DecisionTest, CallingHoursNeverTurnADenyIntoSomethingElse) {
  History objected;
  objected.Object(kAnyScope, kAnyScope, Hour(-48));
  IdentifierInput input = objected.Input();
  input.phone_region = "SI";
  std::vector<IdentifierInput> inputs = {input};
  EXPECT_EQ(
      DecideContact(TestPolicy(), {kCare, kPhone, Hour(-24)}, inputs).reason,
      consent::v1::DECISION_REASON_OBJECTION);
}

TEST(StandingRefusalTest, FindsAnObjectionOrAWithdrawal) {
  History objected;
  objected.Object(kMarketing, kAnyScope, Hour(0));
  ASSERT_TRUE(StandingRefusal(objected.facts(), {kMarketing, kPhone, Hour(1)})
                  .has_value());
  History withdrawn;
  withdrawn.Withdraw(kMarketing, kPhone, Hour(0));
  std::optional<Fact> refusal =
      StandingRefusal(withdrawn.facts(), {kMarketing, kPhone, Hour(1)});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->kind, consent::v1::FACT_KIND_CONSENT_WITHDRAWN);
}

TEST(StandingRefusalTest, IgnoresRestrictionsAndLiftedRefusals) {
  History history;
  history.Add(consent::v1::FACT_KIND_RESTRICTION, kAnyScope, kAnyScope, Hour(0))
      .Object(kAnyScope, kAnyScope, Hour(1))
      .Grant(kMarketing, kPhone, Hour(2), /*subject_initiated=*/true);
  EXPECT_FALSE(StandingRefusal(history.facts(), {kMarketing, kPhone, Hour(3)})
                   .has_value());
  EXPECT_TRUE(StandingRefusal(history.facts(), {kMarketing, kEmail, Hour(3)})
                  .has_value());
}

}  // namespace
}  // namespace consentd::policy
