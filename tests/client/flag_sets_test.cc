#include "client/consentctl/flag_sets.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "consent/v1/consent.pb.h"
#include "gtest/gtest.h"

namespace consentd::consentctl {
namespace {

// Parses the command line `args` (without the program's name) into `app`.
void Parse(CLI::App& app, std::vector<const char*> args) {
  args.insert(args.begin(), "consentctl");
  app.parse(static_cast<int>(args.size()), args.data());
}

TEST(FlagSetsTest, IdentifierFlagsFillPhonesThenEmailsThenIds) {
  CLI::App app;
  IdentifierFlags flags;
  AddIdentifierFlags(&app, &flags);
  Parse(app, {"--id", "crm:7", "--email", "someone@example.invalid", "--phone",
              "+15555550100", "--phone", "+15555550101"});
  consent::v1::CheckRequest request;
  ASSERT_EQ(FillIdentifiers(flags, &request), absl::OkStatus());
  ASSERT_EQ(request.identifiers_size(), 4);
  EXPECT_EQ(request.identifiers(0).phone(), "+15555550100");
  EXPECT_EQ(request.identifiers(1).phone(), "+15555550101");
  EXPECT_EQ(request.identifiers(2).email(), "someone@example.invalid");
  EXPECT_EQ(request.identifiers(3).external_id().system(), "crm");
  EXPECT_EQ(request.identifiers(3).external_id().id(), "7");
}

TEST(FlagSetsTest, NamingNoIdentifierIsAnError) {
  CLI::App app;
  IdentifierFlags flags;
  AddIdentifierFlags(&app, &flags);
  Parse(app, {});
  consent::v1::CheckRequest request;
  EXPECT_EQ(FillIdentifiers(flags, &request),
            absl::InvalidArgumentError(
                "name at least one identifier with --phone, --email or --id"));
}

TEST(FlagSetsTest, EvidenceFlagsFillTheWrite) {
  CLI::App app;
  IdentifierFlags identifiers;
  EvidenceFlags evidence;
  AddIdentifierFlags(&app, &identifiers);
  AddEvidenceFlags(&app, &evidence);
  Parse(app,
        {"--email", "someone@example.invalid", "--method", "recorded-call",
         "--notice-version", "notice-1", "--evidence-ref", "rec-1",
         "--collector", "agent-1", "--occurred-at", "2026-11-23T10:00:00Z"});
  consent::v1::RecordObjectionRequest request;
  ASSERT_EQ(FillWrite(identifiers, evidence, &request), absl::OkStatus());
  EXPECT_EQ(request.identifiers(0).email(), "someone@example.invalid");
  EXPECT_EQ(request.evidence().collection_method(),
            consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  EXPECT_EQ(request.evidence().notice_version(), "notice-1");
  EXPECT_EQ(request.evidence().evidence_reference(), "rec-1");
  EXPECT_EQ(request.evidence().collector(), "agent-1");
  EXPECT_EQ(request.evidence().source(), "consentctl");
  EXPECT_EQ(request.occurred_at().seconds(), 1795428000);
}

TEST(FlagSetsTest, AWriteWithoutOccurredAtLeavesTheTimeUnset) {
  CLI::App app;
  IdentifierFlags identifiers;
  EvidenceFlags evidence;
  AddIdentifierFlags(&app, &identifiers);
  AddEvidenceFlags(&app, &evidence);
  Parse(app, {"--phone", "+15555550100", "--method", "verbal", "--source",
              "dialer"});
  consent::v1::RecordObjectionRequest request;
  ASSERT_EQ(FillWrite(identifiers, evidence, &request), absl::OkStatus());
  EXPECT_EQ(request.evidence().source(), "dialer");
  EXPECT_FALSE(request.has_occurred_at());
}

TEST(FlagSetsTest, EvidenceNeedsAMethod) {
  CLI::App app;
  EvidenceFlags evidence;
  AddEvidenceFlags(&app, &evidence);
  EXPECT_THROW(Parse(app, {"--collector", "agent-1"}), CLI::RequiredError);
}

TEST(FlagSetsTest, AnUnknownMethodFailsTheWrite) {
  CLI::App app;
  IdentifierFlags identifiers;
  EvidenceFlags evidence;
  AddIdentifierFlags(&app, &identifiers);
  AddEvidenceFlags(&app, &evidence);
  Parse(app, {"--phone", "+15555550100", "--method", "carrier-pigeon"});
  consent::v1::RecordObjectionRequest request;
  EXPECT_EQ(FillWrite(identifiers, evidence, &request),
            absl::InvalidArgumentError(
                "unknown collection method; one of web-form-double-opt-in, "
                "web-form, recorded-call, verbal, paper, written-request, "
                "bulk-import, api"));
}

TEST(FlagSetsTest, ScopeFlagsFillACheck) {
  CLI::App app;
  ScopeFlags scope;
  AddScopeFlags(&app, &scope);
  Parse(app, {"--purpose", "marketing", "--channel", "phone", "--region", "SI",
              "--at", "2026-11-23T10:00:00Z"});
  consent::v1::CheckRequest request;
  ASSERT_EQ(FillScope(scope, &request), absl::OkStatus());
  EXPECT_EQ(request.purpose(), "marketing");
  EXPECT_EQ(request.channel(), "phone");
  EXPECT_EQ(request.default_region(), "SI");
  EXPECT_EQ(request.at().seconds(), 1795428000);
}

TEST(FlagSetsTest, AScopeWithoutAtLeavesTheTimeUnset) {
  CLI::App app;
  ScopeFlags scope;
  AddScopeFlags(&app, &scope);
  Parse(app, {"--purpose", "marketing", "--channel", "phone"});
  consent::v1::CheckRequest request;
  ASSERT_EQ(FillScope(scope, &request), absl::OkStatus());
  EXPECT_FALSE(request.has_at());
}

TEST(FlagSetsTest, ScopeNeedsAPurposeAndAChannel) {
  CLI::App purpose_only;
  ScopeFlags scope;
  AddScopeFlags(&purpose_only, &scope);
  EXPECT_THROW(Parse(purpose_only, {"--purpose", "marketing"}),
               CLI::RequiredError);
  CLI::App channel_only;
  AddScopeFlags(&channel_only, &scope);
  EXPECT_THROW(Parse(channel_only, {"--channel", "phone"}), CLI::RequiredError);
}

TEST(FlagSetsTest, AnAtThatIsNotRfc3339FailsTheScope) {
  CLI::App app;
  ScopeFlags scope;
  AddScopeFlags(&app, &scope);
  Parse(app,
        {"--purpose", "marketing", "--channel", "phone", "--at", "yesterday"});
  consent::v1::CheckRequest request;
  absl::Status status = FillScope(scope, &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "not an RFC 3339 time ("))
      << status;
}

}  // namespace
}  // namespace consentd::consentctl
