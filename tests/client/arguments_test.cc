#include "client/consentctl/arguments.h"

#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace consentd::consentctl {
namespace {

TEST(ArgumentsTest, TypedIdentifiersNameTheirKind) {
  EXPECT_EQ(ParseTypedIdentifier("phone:+38631123456")->phone(),
            "+38631123456");
  EXPECT_EQ(ParseTypedIdentifier(" email:ana@example.si ")->email(),
            "ana@example.si");
  absl::StatusOr<consent::v1::Identifier> id =
      ParseTypedIdentifier("id:crm:47:11");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->external_id().system(), "crm");
  EXPECT_EQ(id->external_id().id(), "47:11");
}

TEST(ArgumentsTest, UntypedOrIncompleteIdentifiersAreRejected) {
  for (const char* text :
       {"+38631123456", "fax:123", "id:crm", "id::1", "id:crm:"}) {
    EXPECT_EQ(ParseTypedIdentifier(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(ArgumentsTest, ListEntriesAreTypedOrBarePhoneNumbers) {
  EXPECT_EQ(ParseListEntry(" 031 123 456 ")->phone(), "031 123 456");
  EXPECT_EQ(ParseListEntry("email:ana@example.si")->email(), "ana@example.si");
  EXPECT_EQ(ParseListEntry("id:crm:7")->external_id().system(), "crm");
  EXPECT_FALSE(ParseListEntry("id:crm").ok());
}

TEST(ArgumentsTest, FlagsBecomeIdentifiersInOrder) {
  IdentifierFlags flags;
  flags.phones = {"031 123 456"};
  flags.emails = {"ana@example.si"};
  flags.external_ids = {"crm:1"};
  absl::StatusOr<std::vector<consent::v1::Identifier>> identifiers =
      IdentifiersFromFlags(flags);
  ASSERT_TRUE(identifiers.ok()) << identifiers.status();
  ASSERT_EQ(identifiers->size(), 3u);
  EXPECT_EQ((*identifiers)[0].phone(), "031 123 456");
  EXPECT_EQ((*identifiers)[2].external_id().id(), "1");
  EXPECT_FALSE(IdentifiersFromFlags(IdentifierFlags()).ok());
}

TEST(ArgumentsTest, EveryCollectionMethodParsesFromItsKebabCaseName) {
  const std::pair<const char*, consent::v1::CollectionMethod> kMethods[] = {
      {"web-form-double-opt-in",
       consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN},
      {"web-form", consent::v1::COLLECTION_METHOD_WEB_FORM},
      {"recorded-call", consent::v1::COLLECTION_METHOD_RECORDED_CALL},
      {"verbal", consent::v1::COLLECTION_METHOD_VERBAL},
      {"paper", consent::v1::COLLECTION_METHOD_PAPER},
      {"written-request", consent::v1::COLLECTION_METHOD_WRITTEN_REQUEST},
      {"bulk-import", consent::v1::COLLECTION_METHOD_BULK_IMPORT},
      {"api", consent::v1::COLLECTION_METHOD_API}};
  for (const auto& [name, method] : kMethods) {
    absl::StatusOr<consent::v1::CollectionMethod> parsed =
        ParseEnumFlag<consent::v1::CollectionMethod>(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, method) << name;
  }
}

TEST(ArgumentsTest, EveryLawfulBasisParsesFromItsKebabCaseName) {
  const std::pair<const char*, consent::v1::LawfulBasis> kBases[] = {
      {"consent", consent::v1::LAWFUL_BASIS_CONSENT},
      {"contract", consent::v1::LAWFUL_BASIS_CONTRACT},
      {"legal-obligation", consent::v1::LAWFUL_BASIS_LEGAL_OBLIGATION},
      {"vital-interests", consent::v1::LAWFUL_BASIS_VITAL_INTERESTS},
      {"public-task", consent::v1::LAWFUL_BASIS_PUBLIC_TASK},
      {"legitimate-interest", consent::v1::LAWFUL_BASIS_LEGITIMATE_INTEREST}};
  for (const auto& [name, basis] : kBases) {
    absl::StatusOr<consent::v1::LawfulBasis> parsed =
        ParseEnumFlag<consent::v1::LawfulBasis>(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, basis) << name;
  }
}

TEST(ArgumentsTest, EveryRequestTypeParsesFromItsKebabCaseName) {
  const std::pair<const char*, consent::v1::RequestType> kTypes[] = {
      {"access", consent::v1::REQUEST_TYPE_ACCESS},
      {"portability", consent::v1::REQUEST_TYPE_PORTABILITY},
      {"erasure", consent::v1::REQUEST_TYPE_ERASURE},
      {"rectification", consent::v1::REQUEST_TYPE_RECTIFICATION},
      {"restriction", consent::v1::REQUEST_TYPE_RESTRICTION},
      {"objection", consent::v1::REQUEST_TYPE_OBJECTION}};
  for (const auto& [name, type] : kTypes) {
    absl::StatusOr<consent::v1::RequestType> parsed =
        ParseEnumFlag<consent::v1::RequestType>(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, type) << name;
  }
}

TEST(ArgumentsTest, EveryRequestStateParsesFromItsKebabCaseName) {
  const std::pair<const char*, consent::v1::RequestState> kStates[] = {
      {"received", consent::v1::REQUEST_STATE_RECEIVED},
      {"identity-verified", consent::v1::REQUEST_STATE_IDENTITY_VERIFIED},
      {"completed", consent::v1::REQUEST_STATE_COMPLETED},
      {"rejected", consent::v1::REQUEST_STATE_REJECTED}};
  for (const auto& [name, state] : kStates) {
    absl::StatusOr<consent::v1::RequestState> parsed =
        ParseEnumFlag<consent::v1::RequestState>(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, state) << name;
  }
}

TEST(ArgumentsTest, EnumFlagsAlsoTakeAnyCaseUnderscoresAndTheFullName) {
  EXPECT_EQ(*ParseEnumFlag<consent::v1::CollectionMethod>("RECORDED_CALL"),
            consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  EXPECT_EQ(
      *ParseEnumFlag<consent::v1::CollectionMethod>("COLLECTION_METHOD_PAPER"),
      consent::v1::COLLECTION_METHOD_PAPER);
  EXPECT_EQ(*ParseEnumFlag<consent::v1::LawfulBasis>(" Legitimate_Interest "),
            consent::v1::LAWFUL_BASIS_LEGITIMATE_INTEREST);
  EXPECT_EQ(*ParseEnumFlag<consent::v1::RequestType>("REQUEST_TYPE_ERASURE"),
            consent::v1::REQUEST_TYPE_ERASURE);
  EXPECT_EQ(*ParseEnumFlag<consent::v1::RequestState>("Identity_Verified"),
            consent::v1::REQUEST_STATE_IDENTITY_VERIFIED);
}

TEST(ArgumentsTest, AnUnknownEnumFlagValueNamesTheChoices) {
  EXPECT_EQ(
      ParseEnumFlag<consent::v1::CollectionMethod>("carrier-pigeon").status(),
      absl::InvalidArgumentError(
          "unknown collection method; one of web-form-double-opt-in, "
          "web-form, recorded-call, verbal, paper, written-request, "
          "bulk-import, api"));
  EXPECT_EQ(ParseEnumFlag<consent::v1::LawfulBasis>("because").status(),
            absl::InvalidArgumentError(
                "unknown lawful basis; one of consent, contract, "
                "legal-obligation, vital-interests, public-task, "
                "legitimate-interest"));
  EXPECT_EQ(ParseEnumFlag<consent::v1::RequestType>("complaint").status(),
            absl::InvalidArgumentError(
                "--type is access, portability, erasure, rectification, "
                "restriction or objection"));
  EXPECT_EQ(ParseEnumFlag<consent::v1::RequestState>("pending").status(),
            absl::InvalidArgumentError(
                "--state is received, identity-verified, completed or "
                "rejected"));
}

TEST(ArgumentsTest, NoEnumFlagTakesUnspecifiedOrNothing) {
  for (const char* text : {"unspecified", ""}) {
    EXPECT_EQ(
        ParseEnumFlag<consent::v1::CollectionMethod>(text).status().code(),
        absl::StatusCode::kInvalidArgument)
        << '"' << text << '"';
    EXPECT_EQ(ParseEnumFlag<consent::v1::LawfulBasis>(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << '"' << text << '"';
    EXPECT_EQ(ParseEnumFlag<consent::v1::RequestType>(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << '"' << text << '"';
    EXPECT_EQ(ParseEnumFlag<consent::v1::RequestState>(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << '"' << text << '"';
  }
}

TEST(ArgumentsTest, TimesAreRfc3339) {
  absl::StatusOr<google::protobuf::Timestamp> t =
      ParseTimestamp("2026-11-23T11:00:00.5+01:00");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->seconds(), 1795428000);
  EXPECT_EQ(t->nanos(), 500000000);
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
}

}  // namespace
}  // namespace consentd::consentctl
