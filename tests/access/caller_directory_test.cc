#include "access/caller_directory.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/digest.h"
#include "crypto/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TokenHash(const std::string& token) {
  return crypto::DigestHex(crypto::Sha256(token));
}

std::string Config() {
  return absl::StrCat(
      "callers { principal: "
      "\"spiffe://callcentre.example/dialer/ljubljana-1\" roles: \"dialer\" "
      "certificate_uri: \"spiffe://callcentre.example/dialer/ljubljana-1\" }\n",
      "callers { principal: \"dpo-ana\" roles: [\"privacy_officer\", "
      "\"auditor\"] certificate_common_name: \"dpo-ana\" }\n",
      "callers { principal: \"crm-webform\" roles: \"collector\" "
      "token_sha256: \"",
      TokenHash("s3cret-token"), "\" }\n");
}

std::unique_ptr<CallerDirectory> Directory(const std::string& text) {
  absl::StatusOr<consent::v1::AccessConfig> config = ParseAccessConfig(text);
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<CallerDirectory>> directory =
      CallerDirectory::Create(*config);
  EXPECT_TRUE(directory.ok()) << directory.status();
  return *std::move(directory);
}

TEST(CallerDirectoryTest, ACertificateUriNamesItsCaller) {
  auto directory = Directory(Config());
  std::vector<std::string> uris = {
      "spiffe://other.example/x",
      "spiffe://callcentre.example/dialer/ljubljana-1"};
  Credentials credentials;
  credentials.verified_certificate = true;
  credentials.certificate_uris = uris;
  credentials.certificate_common_name = "dpo-ana";  // URIs win
  absl::StatusOr<Caller> caller = directory->Identify(credentials);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal,
            "spiffe://callcentre.example/dialer/ljubljana-1");
  EXPECT_EQ(caller->roles, RoleSet{Role::kDialer});
}

TEST(CallerDirectoryTest, ACommonNameCountsOnlyWithoutUris) {
  auto directory = Directory(Config());
  Credentials credentials;
  credentials.verified_certificate = true;
  credentials.certificate_common_name = "dpo-ana";
  absl::StatusOr<Caller> caller = directory->Identify(credentials);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal, "dpo-ana");
  EXPECT_EQ(caller->roles, (RoleSet{Role::kPrivacyOfficer, Role::kAuditor}));

  std::vector<std::string> uris = {"spiffe://unknown.example/dpo"};
  credentials.certificate_uris = uris;
  EXPECT_EQ(directory->Identify(credentials).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(CallerDirectoryTest, AnUnverifiedCertificateNamesNoOne) {
  auto directory = Directory(Config());
  Credentials credentials;
  credentials.certificate_common_name = "dpo-ana";
  EXPECT_EQ(directory->Identify(credentials).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(CallerDirectoryTest, ATokenIsKnownByItsHashAndNeverEchoed) {
  auto directory = Directory(Config());
  Credentials credentials;
  credentials.bearer_token = "s3cret-token";
  absl::StatusOr<Caller> caller = directory->Identify(credentials);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal, "crm-webform");

  credentials.bearer_token = "s3cret-tokeN";
  absl::Status wrong = directory->Identify(credentials).status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(wrong.message(), Not(HasSubstr("s3cret")));
}

TEST(CallerDirectoryTest, AWrongTokenIsNotRescuedByACertificate) {
  auto directory = Directory(Config());
  Credentials credentials;
  credentials.verified_certificate = true;
  credentials.certificate_common_name = "dpo-ana";
  credentials.bearer_token = "guess";
  EXPECT_EQ(directory->Identify(credentials).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(CallerDirectoryTest, PlainTextIsLocalOnlyWhenALocalCallerIsConfigured) {
  auto directory = Directory(Config());
  Credentials plaintext;
  plaintext.plaintext = true;
  EXPECT_EQ(directory->Identify(plaintext).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(directory->has_local_caller());

  auto development = CallerDirectory::Create(DevelopmentAccess());
  ASSERT_TRUE(development.ok());
  absl::StatusOr<Caller> local = (*development)->Identify(plaintext);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->principal, "local");
  EXPECT_EQ(local->roles, kEveryRole);
  EXPECT_TRUE((*development)->allow_single_officer());
  // A TLS caller without credentials is not local.
  Credentials tls;
  EXPECT_EQ((*development)->Identify(tls).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(CallerDirectoryTest, ACallerPastItsRateLimitIsRefused) {
  auto directory = Directory(R"pb(
    callers {
      principal: "dialer-1"
      roles: "dialer"
      certificate_common_name: "dialer-1"
      max_calls_per_second: 2
    }
    callers { principal: "dpo" roles: "privacy_officer" local: true }
  )pb");
  EXPECT_TRUE(directory->has_rate_limits());
  Credentials credentials;
  credentials.verified_certificate = true;
  credentials.certificate_common_name = "dialer-1";
  absl::StatusOr<Caller> dialer = directory->Identify(credentials);
  ASSERT_TRUE(dialer.ok()) << dialer.status();
  const absl::Time now = absl::UnixEpoch() + absl::Hours(1);
  // A second's worth at once, then nothing until the rate allows.
  EXPECT_TRUE(directory->ChargeCall(*dialer, now).ok());
  EXPECT_TRUE(directory->ChargeCall(*dialer, now).ok());
  absl::Status over = directory->ChargeCall(*dialer, now);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(),
            "rate limit: principal dialer-1 may make 2 calls a second; retry "
            "later");
  EXPECT_TRUE(
      directory->ChargeCall(*dialer, now + absl::Milliseconds(500)).ok());
  // A caller without a limit is never refused.
  Credentials plaintext;
  plaintext.plaintext = true;
  absl::StatusOr<Caller> officer = directory->Identify(plaintext);
  ASSERT_TRUE(officer.ok()) << officer.status();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(directory->ChargeCall(*officer, now).ok());
  }
}

TEST(CallerDirectoryTest, WithoutLimitsNoCallIsCharged) {
  auto directory = Directory(Config());
  EXPECT_FALSE(directory->has_rate_limits());
  Credentials credentials;
  credentials.bearer_token = "s3cret-token";
  absl::StatusOr<Caller> caller = directory->Identify(credentials);
  ASSERT_TRUE(caller.ok()) << caller.status();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(directory->ChargeCall(*caller, absl::UnixEpoch()).ok());
  }
}

TEST(AccessConfigTest, EachMistakeIsNamed) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case
      cases[] =
          {
              {"callers { principal: ", "line 1"},
              {R"pb(callers { principal: "a" roles: "root" local: true })pb",
               "unknown role \"root\""},
              {R"pb(callers { principal: "a" local: true })pb", "no roles"},
              {R"pb(callers { principal: "a" roles: "admin" })pb",
               "needs one credential"},
              {R"pb(callers { principal: "a b" roles: "admin" local: true })pb",
               "printable"},
              {R"pb(callers {
                      principal: "a"
                      roles: "admin"
                      token_sha256: "ABC"
                    })pb",
               "64 lower-case hex"},
              {R"pb(callers { principal: "a" roles: "admin" local: true }
                    callers {
                      principal: "a"
                      roles: "admin"
                      certificate_common_name: "x"
                    })pb",
               "named twice"},
              {R"pb(callers { principal: "a" roles: "admin" local: true }
                    callers { principal: "b" roles: "admin" local: true })pb",
               "second local caller"},
              {R"pb(callers {
                      principal: "a"
                      roles: "admin"
                      certificate_uri: "u"
                    }
                    callers {
                      principal: "b"
                      roles: "dialer"
                      certificate_uri: "u"
                    })pb",
               "names another caller"},
              {R"pb(callers {
                      principal: "a"
                      roles: "admin"
                      local: true
                      max_calls_per_second: 1000001
                    })pb",
               "max_calls_per_second must be at most 1000000"},
          };
  for (const Case& c : cases) {
    absl::StatusOr<consent::v1::AccessConfig> config =
        ParseAccessConfig(c.text);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_THAT(config.status().message(), HasSubstr(c.error)) << c.text;
  }
}

}  // namespace
}  // namespace consentd::access
