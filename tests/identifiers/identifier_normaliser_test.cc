#include "identifiers/identifier_normaliser.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::identifiers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

consent::v1::EmailNormalisation LowercaseEmail() {
  consent::v1::EmailNormalisation email;
  email.set_lowercase_local_part(true);
  return email;
}

class IdentifierNormaliserTest : public ::testing::Test {
 protected:
  IdentifierNormaliser normaliser_{LowercaseEmail(), /*fallback_region=*/""};

  std::string Phone(const std::string& raw, const std::string& region) {
    absl::StatusOr<NormalisedIdentifier> out =
        normaliser_.NormalisePhone(raw, region);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->value : "";
  }
};

TEST_F(IdentifierNormaliserTest, NationalAndInternationalFormsAreOneNumber) {
  EXPECT_EQ(Phone("031 123 456", "SI"), "+38631123456");
  EXPECT_EQ(Phone("+386 31 123 456", ""), "+38631123456");
  EXPECT_EQ(Phone("00386 31 123 456", "SI"), "+38631123456");
  EXPECT_EQ(Phone("(031) 123-456", "SI"), "+38631123456");
  EXPECT_EQ(Phone("+38631123456", ""), "+38631123456");
}

TEST_F(IdentifierNormaliserTest, E164InputIgnoresTheRegion) {
  EXPECT_EQ(Phone("+38631123456", "GB"), "+38631123456");
  EXPECT_EQ(Phone("+442079460000", "SI"), "+442079460000");
}

TEST_F(IdentifierNormaliserTest,
       E164ShapedInputWithATrunkPrefixIsCanonicalised) {
  // "+386 0 31..." is not E.164 but looks like it; it must not slip through
  // as a different digest from the canonical number.
  EXPECT_EQ(Phone("+386031123456", ""), "+38631123456");
}

TEST_F(IdentifierNormaliserTest, ReportsTheRegionOfTheNumber) {
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser_.NormalisePhone("+442079460000", "");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->phone_region, "GB");
  EXPECT_EQ(out->kind, consent::v1::IDENTIFIER_KIND_PHONE);
}

TEST_F(IdentifierNormaliserTest, NationalFormatWithoutAnyRegionIsInvalid) {
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser_.NormalisePhone("031 123 456", "");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("region"));
}

TEST_F(IdentifierNormaliserTest, FallbackRegionReadsNationalFormat) {
  IdentifierNormaliser with_fallback(LowercaseEmail(), "SI");
  absl::StatusOr<NormalisedIdentifier> out =
      with_fallback.NormalisePhone("031 123 456", "");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "+38631123456");
}

TEST_F(IdentifierNormaliserTest, InvalidNumbersAreRejectedWithoutEchoingThem) {
  for (const char* raw : {"+386 1", "12", "not a number", "+999 123 456 789"}) {
    absl::StatusOr<NormalisedIdentifier> out =
        normaliser_.NormalisePhone(raw, "SI");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << raw;
    EXPECT_THAT(out.status().message(), Not(HasSubstr(raw)));
  }
}

TEST_F(IdentifierNormaliserTest, OverlongPhoneInputIsRejected) {
  EXPECT_EQ(
      normaliser_.NormalisePhone(std::string(65, '1'), "SI").status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(IdentifierNormaliserTest, EmailIsTrimmedAndLowerCased) {
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser_.NormaliseEmail("  Ana.Novak@Example.SI \t");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "ana.novak@example.si");
  EXPECT_EQ(out->kind, consent::v1::IDENTIFIER_KIND_EMAIL);
}

TEST_F(IdentifierNormaliserTest, LocalPartKeepsItsCaseWhenPolicySaysSo) {
  IdentifierNormaliser keep_case(consent::v1::EmailNormalisation(), "");
  absl::StatusOr<NormalisedIdentifier> out =
      keep_case.NormaliseEmail("Ana@Example.SI");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "Ana@example.si");
}

TEST_F(IdentifierNormaliserTest, PlusTagIsStrippedWhenPolicySaysSo) {
  consent::v1::EmailNormalisation options = LowercaseEmail();
  options.set_strip_plus_tag(true);
  IdentifierNormaliser stripping(options, "");
  absl::StatusOr<NormalisedIdentifier> out =
      stripping.NormaliseEmail("ana+news@example.si");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "ana@example.si");
  EXPECT_EQ(normaliser_.NormaliseEmail("ana+news@example.si")->value,
            "ana+news@example.si");
}

TEST_F(IdentifierNormaliserTest, StrippingATagMustLeaveALocalPart) {
  consent::v1::EmailNormalisation options = LowercaseEmail();
  options.set_strip_plus_tag(true);
  IdentifierNormaliser stripping(options, "");
  // "ana." is no local part: the result would not normalise to itself.
  for (const char* raw : {"+news@example.si", "ana.+news@example.si"}) {
    EXPECT_EQ(stripping.NormaliseEmail(raw).status().code(),
              absl::StatusCode::kInvalidArgument)
        << raw;
  }
  EXPECT_EQ(normaliser_.NormaliseEmail("ana.+news@example.si")->value,
            "ana.+news@example.si");
}

TEST_F(IdentifierNormaliserTest, MalformedEmailIsRejectedWithoutEchoingIt) {
  for (const char* raw : {"ana", "@example.si", "ana@", "ana@@example.si",
                          "ana@example", "ana@.example.si", "a na@example.si",
                          "ana..n@example.si", "ana@exa..mple.si"}) {
    absl::StatusOr<NormalisedIdentifier> out = normaliser_.NormaliseEmail(raw);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << raw;
    EXPECT_THAT(out.status().message(), Not(HasSubstr(raw)));
  }
  EXPECT_FALSE(
      normaliser_.NormaliseEmail(std::string(250, 'a') + "@x.si").ok());
}

TEST_F(IdentifierNormaliserTest, ExternalIdsAreNamespacedBySystem) {
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser_.NormaliseExternalId("crm", " 4711 ");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "crm:4711");
  EXPECT_EQ(out->kind, consent::v1::IDENTIFIER_KIND_EXTERNAL_ID);
  EXPECT_NE(normaliser_.NormaliseExternalId("billing", "4711")->value,
            out->value);
}

TEST_F(IdentifierNormaliserTest, MalformedExternalIdsAreRejected) {
  EXPECT_FALSE(normaliser_.NormaliseExternalId("CRM", "1").ok());
  EXPECT_FALSE(normaliser_.NormaliseExternalId("", "1").ok());
  EXPECT_FALSE(normaliser_.NormaliseExternalId("crm", "").ok());
  EXPECT_FALSE(normaliser_.NormaliseExternalId("crm", "a\nb").ok());
  EXPECT_FALSE(
      normaliser_.NormaliseExternalId("crm", std::string(257, 'x')).ok());
}

TEST_F(IdentifierNormaliserTest, IdentifierRegionOverridesRequestRegion) {
  consent::v1::Identifier identifier;
  identifier.set_phone("020 7946 0000");
  identifier.set_region("GB");
  absl::StatusOr<NormalisedIdentifier> out =
      normaliser_.Normalise(identifier, "SI");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value, "+442079460000");
}

TEST_F(IdentifierNormaliserTest, AMalformedIdentifierRegionIsInvalid) {
  consent::v1::Identifier identifier;
  identifier.set_phone("031 123 456");
  identifier.set_region("slovenia");
  EXPECT_EQ(normaliser_.Normalise(identifier, "SI").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(IdentifierNormaliserTest, AnEmptyIdentifierIsInvalid) {
  EXPECT_EQ(
      normaliser_.Normalise(consent::v1::Identifier(), "SI").status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consentd::identifiers
