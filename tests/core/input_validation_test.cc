#include "service/core/input_validation.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"

namespace consentd::core {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// What a caller might wrongly put in any field: personal data that no
// error message may quote back. Obviously fake.
constexpr char kPhone[] = "+38631123456";
constexpr char kEmail[] = "ana@example.si";

// `seed` repeated up to exactly `length` bytes.
std::string TextOfLength(const std::string& seed, size_t length) {
  std::string text;
  while (text.size() < length) text += seed;
  text.resize(length);
  return text;
}

consent::v1::Evidence ValidEvidence() {
  consent::v1::Evidence evidence;
  evidence.set_collection_method(consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  return evidence;
}

google::protobuf::Timestamp TimestampOf(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

constexpr absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

class PolicyScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<policy::PolicyModel> loaded =
        policy::PolicyModel::FromTextProto(policy::DefaultPolicyText());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    policy_ = *std::move(loaded);
  }

  std::optional<policy::PolicyModel> policy_;
};

// ValidateIdentifierCount

TEST(ValidateIdentifierCountTest, AcceptsOneToSixteen) {
  EXPECT_TRUE(ValidateIdentifierCount(1).ok());
  EXPECT_TRUE(ValidateIdentifierCount(kMaxIdentifiersPerContact).ok());
  EXPECT_EQ(kMaxIdentifiersPerContact, 16);
}

TEST(ValidateIdentifierCountTest, RefusesNone) {
  absl::Status status = ValidateIdentifierCount(0);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identifiers"));
}

TEST(ValidateIdentifierCountTest, RefusesOneOverTheBound) {
  absl::Status status = ValidateIdentifierCount(kMaxIdentifiersPerContact + 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identifiers"));
}

TEST(ValidateIdentifierCountTest, RefusesANegativeCount) {
  EXPECT_EQ(ValidateIdentifierCount(-1).code(),
            absl::StatusCode::kInvalidArgument);
}

// ValidateRegion

TEST(ValidateRegionTest, AcceptsEmptyAndTwoUpperCaseLetters) {
  EXPECT_TRUE(ValidateRegion("", "default_region").ok());
  EXPECT_TRUE(ValidateRegion("SI", "default_region").ok());
  EXPECT_TRUE(ValidateRegion("GB", "default_region").ok());
}

TEST(ValidateRegionTest, RefusesLowerCase) {
  for (const char* region : {"si", "Si", "sI"}) {
    absl::Status status = ValidateRegion(region, "default_region");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << region;
    EXPECT_THAT(status.message(), HasSubstr("default_region")) << region;
  }
}

TEST(ValidateRegionTest, RefusesOtherLengthsAndDigits) {
  for (const char* region : {"S", "SVN", "S1", "1I", "S "}) {
    EXPECT_EQ(ValidateRegion(region, "default_region").code(),
              absl::StatusCode::kInvalidArgument)
        << region;
  }
}

TEST(ValidateRegionTest, NamesTheFieldButNotTheValue) {
  absl::Status status = ValidateRegion(kPhone, "rows[3].region");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("rows[3].region"), Not(HasSubstr(kPhone))));
}

// ResolvePurpose / ResolveChannel

TEST_F(PolicyScopeTest, APurposeThePolicyNamesResolvesToItsId) {
  absl::StatusOr<policy::ScopeId> id =
      ResolvePurpose(*policy_, "marketing", /*required=*/true);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(policy_->FindPurpose("marketing").has_value());
  EXPECT_EQ(*id, *policy_->FindPurpose("marketing"));
  EXPECT_NE(*id, policy::kAnyScope);
}

TEST_F(PolicyScopeTest, AChannelThePolicyNamesResolvesToItsId) {
  absl::StatusOr<policy::ScopeId> id =
      ResolveChannel(*policy_, "sms", /*required=*/true);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(policy_->FindChannel("sms").has_value());
  EXPECT_EQ(*id, *policy_->FindChannel("sms"));
  EXPECT_NE(*id, policy::kAnyScope);
}

TEST_F(PolicyScopeTest, AnEmptyOptionalPurposeOrChannelMeansEvery) {
  absl::StatusOr<policy::ScopeId> purpose =
      ResolvePurpose(*policy_, "", /*required=*/false);
  absl::StatusOr<policy::ScopeId> channel =
      ResolveChannel(*policy_, "", /*required=*/false);
  ASSERT_TRUE(purpose.ok()) << purpose.status();
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ(*purpose, policy::kAnyScope);
  EXPECT_EQ(*channel, policy::kAnyScope);
}

TEST_F(PolicyScopeTest, AnEmptyRequiredPurposeIsAnError) {
  absl::Status status =
      ResolvePurpose(*policy_, "", /*required=*/true).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("purpose"));
}

TEST_F(PolicyScopeTest, AnEmptyRequiredChannelIsAnError) {
  absl::Status status =
      ResolveChannel(*policy_, "", /*required=*/true).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("channel"));
}

TEST_F(PolicyScopeTest, AnUnknownPurposeIsAnErrorThatDoesNotEchoIt) {
  for (bool required : {true, false}) {
    absl::Status status = ResolvePurpose(*policy_, kEmail, required).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("purpose"), Not(HasSubstr(kEmail))));
  }
}

TEST_F(PolicyScopeTest, AnUnknownChannelIsAnErrorThatDoesNotEchoIt) {
  for (bool required : {true, false}) {
    absl::Status status = ResolveChannel(*policy_, kPhone, required).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("channel"), Not(HasSubstr(kPhone))));
  }
}

TEST_F(PolicyScopeTest, APurposeNameIsNotAChannelName) {
  EXPECT_EQ(
      ResolveChannel(*policy_, "marketing", /*required=*/true).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// ValidateEvidence

TEST(ValidateEvidenceTest, AcceptsACollectionMethodAlone) {
  EXPECT_TRUE(ValidateEvidence(ValidEvidence()).ok());
}

TEST(ValidateEvidenceTest, RefusesAMissingCollectionMethod) {
  consent::v1::Evidence evidence = ValidEvidence();
  evidence.set_collection_method(consent::v1::COLLECTION_METHOD_UNSPECIFIED);
  absl::Status status = ValidateEvidence(evidence);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("evidence.collection_method"));
}

TEST(ValidateEvidenceTest, RefusesACollectionMethodOutsideTheEnum) {
  consent::v1::Evidence evidence = ValidEvidence();
  evidence.set_collection_method(
      static_cast<consent::v1::CollectionMethod>(999));
  absl::Status status = ValidateEvidence(evidence);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("evidence.collection_method"));
}

TEST(ValidateEvidenceTest, AcceptsEveryTextAtItsBound) {
  consent::v1::Evidence evidence = ValidEvidence();
  evidence.set_notice_version(TextOfLength("v", kMaxNoticeVersionLength));
  evidence.set_evidence_reference(
      TextOfLength("r", kMaxEvidenceReferenceLength));
  evidence.set_collector(TextOfLength("c", kMaxCollectorLength));
  evidence.set_source(TextOfLength("s", kMaxSourceLength));
  EXPECT_TRUE(ValidateEvidence(evidence).ok());
}

// One byte over the bound of one field, holding personal data that the
// message must not quote.
struct OverBound {
  const char* field;
  size_t max;
  void (*set)(consent::v1::Evidence*, const std::string&);
};

TEST(ValidateEvidenceTest, RefusesEachTextOneByteOverItsBound) {
  const OverBound cases[] = {
      {"evidence.notice_version", kMaxNoticeVersionLength,
       [](consent::v1::Evidence* e, const std::string& v) {
         e->set_notice_version(v);
       }},
      {"evidence.evidence_reference", kMaxEvidenceReferenceLength,
       [](consent::v1::Evidence* e, const std::string& v) {
         e->set_evidence_reference(v);
       }},
      {"evidence.collector", kMaxCollectorLength,
       [](consent::v1::Evidence* e, const std::string& v) {
         e->set_collector(v);
       }},
      {"evidence.source", kMaxSourceLength,
       [](consent::v1::Evidence* e, const std::string& v) {
         e->set_source(v);
       }},
  };
  for (const OverBound& over : cases) {
    consent::v1::Evidence evidence = ValidEvidence();
    over.set(&evidence, TextOfLength(kPhone, over.max + 1));
    absl::Status status = ValidateEvidence(evidence);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << over.field;
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr(over.field), Not(HasSubstr(kPhone))))
        << over.field;
  }
}

// The bounds the Evidence message documents (proto/consent/v1/types.proto).
TEST(ValidateEvidenceTest, TheBoundsAreTheOnesTheProtoDocuments) {
  EXPECT_EQ(kMaxNoticeVersionLength, 128u);
  EXPECT_EQ(kMaxEvidenceReferenceLength, 256u);
  EXPECT_EQ(kMaxCollectorLength, 128u);
  EXPECT_EQ(kMaxSourceLength, 64u);
}

// RequestTime

TEST(RequestTimeTest, AnUnsetTimeIsNow) {
  absl::StatusOr<absl::Time> at =
      RequestTime(/*has_time=*/false, TimestampOf(12345), kNow,
                  /*bounded_future=*/true, "occurred_at");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, kNow);
}

TEST(RequestTimeTest, ASetTimeIsTakenToTheNanosecond) {
  absl::StatusOr<absl::Time> at =
      RequestTime(/*has_time=*/true, TimestampOf(1'700'000'000, 123'456'789),
                  kNow, /*bounded_future=*/true, "occurred_at");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, absl::FromUnixSeconds(1'700'000'000) +
                     absl::Nanoseconds(123'456'789));
}

TEST(RequestTimeTest, AcceptsTheFirstAndLastInstantsATimestampMayName) {
  // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z.
  EXPECT_TRUE(RequestTime(true, TimestampOf(-62'135'596'800), kNow, false,
                          "occurred_at")
                  .ok());
  EXPECT_TRUE(RequestTime(true, TimestampOf(253'402'300'799, 999'999'999), kNow,
                          false, "occurred_at")
                  .ok());
}

TEST(RequestTimeTest, RefusesSecondsOutsideTheTimestampRange) {
  for (int64_t seconds : {int64_t{-62'135'596'801}, int64_t{253'402'300'800}}) {
    absl::Status status =
        RequestTime(true, TimestampOf(seconds), kNow, false, "occurred_at")
            .status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << seconds;
    EXPECT_THAT(status.message(), HasSubstr("occurred_at")) << seconds;
  }
}

TEST(RequestTimeTest, RefusesNanosOutsideASecond) {
  for (int32_t nanos : {-1, 1'000'000'000}) {
    EXPECT_EQ(RequestTime(true, TimestampOf(1'700'000'000, nanos), kNow, false,
                          "occurred_at")
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << nanos;
  }
}

TEST(RequestTimeTest, AcceptsATimeUpToTheSkewAhead) {
  const absl::Time ahead = kNow + kMaxFutureSkew;
  absl::StatusOr<absl::Time> at =
      RequestTime(true, TimestampOf(absl::ToUnixSeconds(ahead)), kNow,
                  /*bounded_future=*/true, "occurred_at");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, ahead);
  EXPECT_EQ(kMaxFutureSkew, absl::Minutes(5));
}

TEST(RequestTimeTest, RefusesATimeOneNanosecondPastTheSkew) {
  const absl::Time ahead = kNow + kMaxFutureSkew;
  absl::Status status =
      RequestTime(true, TimestampOf(absl::ToUnixSeconds(ahead), 1), kNow,
                  /*bounded_future=*/true, "occurred_at")
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("occurred_at"));
}

TEST(RequestTimeTest, AFutureTimeIsAcceptedWhenNotBounded) {
  absl::StatusOr<absl::Time> at = RequestTime(
      true, TimestampOf(absl::ToUnixSeconds(kNow + absl::Hours(24 * 365))),
      kNow, /*bounded_future=*/false, "at");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, kNow + absl::Hours(24 * 365));
}

TEST(RequestTimeTest, APastTimeIsAccepted) {
  absl::StatusOr<absl::Time> at =
      RequestTime(true, TimestampOf(absl::ToUnixSeconds(kNow - absl::Hours(1))),
                  kNow, /*bounded_future=*/true, "occurred_at");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, kNow - absl::Hours(1));
}

}  // namespace
}  // namespace consentd::core
