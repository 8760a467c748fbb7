#include "client/consentctl/arguments.h"

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

TEST(ArgumentsTest, CollectionMethodsParseInAnyCaseAndDashes) {
  EXPECT_EQ(*ParseCollectionMethod("web-form-double-opt-in"),
            consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  EXPECT_EQ(*ParseCollectionMethod("RECORDED_CALL"),
            consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  EXPECT_EQ(*ParseCollectionMethod("COLLECTION_METHOD_PAPER"),
            consent::v1::COLLECTION_METHOD_PAPER);
  EXPECT_FALSE(ParseCollectionMethod("unspecified").ok());
  EXPECT_FALSE(ParseCollectionMethod("carrier-pigeon").ok());
}

TEST(ArgumentsTest, LawfulBasesParse) {
  EXPECT_EQ(*ParseLawfulBasis("legitimate-interest"),
            consent::v1::LAWFUL_BASIS_LEGITIMATE_INTEREST);
  EXPECT_FALSE(ParseLawfulBasis("because").ok());
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
