// consentctl against a real consentd: the commands an operator types, their
// output and their exit codes.
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/calling_hours.h"
#include "tests/testing/run_program.h"
#include "tests/testing/running_consentd.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using ::testing::HasSubstr;
using testing::ProgramResult;

class ConsentctlTest : public testing::RunningConsentd {
 protected:
  ProgramResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server_->address()});
    return testing::RunProgram(CONSENTCTL_BINARY, args);
  }

  // Opens a request with `args` (type, identifiers...) and verifies the
  // requester's identity; returns its id, or "" after reporting a failure.
  std::string OpenVerified(std::vector<std::string> args) {
    args.insert(args.begin(), {"--json", "request", "open"});
    args.insert(args.end(), {"--via", "e-mail"});
    ProgramResult opened = Run(args);
    EXPECT_EQ(opened.code, 0) << opened.stderr_text;
    const size_t at = opened.stdout_text.find("dsr-");
    if (at == std::string::npos) return "";
    std::string id = opened.stdout_text.substr(at, 20);
    ProgramResult verified =
        Run({"request", "verify", id, "--method", "reply from the address"});
    EXPECT_EQ(verified.code, 0) << verified.stderr_text;
    return id;
  }

  ProgramResult Complete(const std::string& id) {
    return Run({"request", "complete", id});
  }

  ProgramResult CheckEmail(const std::string& email,
                           const std::string& purpose = "customer-care") {
    return Run({"check", "--email", email, "--purpose", purpose, "--channel",
                "email"});
  }
};

TEST_F(ConsentctlTest, CheckExitsZeroForAllowAndThreeForDeny) {
  ProgramResult allowed =
      Run({"check", "--email", "ana@example.si", "--purpose", "customer-care",
           "--channel", "email"});
  EXPECT_EQ(allowed.code, 0) << allowed.stderr_text;
  EXPECT_THAT(allowed.stdout_text, HasSubstr("ALLOW  LAWFUL_BASIS"));

  ProgramResult denied = Run({"check", "--email", "ana@example.si", "--purpose",
                              "marketing", "--channel", "email"});
  EXPECT_EQ(denied.code, 3);
  EXPECT_THAT(denied.stdout_text, HasSubstr("DENY  NO_CONSENT"));
}

TEST_F(ConsentctlTest, ObjectThenShowTellsTheHistory) {
  ProgramResult object = Run(
      {"object", "--phone", "031 123 456", "--region", "SI", "--method",
       "recorded-call", "--evidence-ref", "rec-77", "--collector", "agent-17"});
  ASSERT_EQ(object.code, 0) << object.stderr_text;
  EXPECT_THAT(object.stdout_text, HasSubstr("recorded objection fact(s) 1"));

  ProgramResult show = Run({"show", "--phone", "+38631123456"});
  ASSERT_EQ(show.code, 0) << show.stderr_text;
  EXPECT_THAT(show.stdout_text, HasSubstr("OBJECTION"));
  EXPECT_THAT(show.stdout_text, HasSubstr("evidence rec-77"));
  EXPECT_THAT(show.stdout_text, HasSubstr("collector agent-17"));
}

TEST_F(ConsentctlTest, ARefusedConsentIsAnErrorThatSaysWhy) {
  ASSERT_EQ(
      Run({"object", "--email", "ana@example.si", "--method", "verbal"}).code,
      0);
  ProgramResult grant =
      Run({"consent", "grant", "--email", "ana@example.si", "--purpose",
           "marketing", "--method", "bulk-import"});
  EXPECT_EQ(grant.code, 1);
  EXPECT_THAT(grant.stderr_text, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(grant.stderr_text, HasSubstr("standing objection"));
}

TEST_F(ConsentctlTest, JsonOutputIsTheProtoJsonMapping) {
  ProgramResult json = Run({"--json", "check", "--email", "ana@example.si",
                            "--purpose", "marketing", "--channel", "email"});
  EXPECT_EQ(json.code, 3);
  EXPECT_THAT(json.stdout_text,
              HasSubstr("\"reason\":\"DECISION_REASON_NO_CONSENT\""));
}

TEST_F(ConsentctlTest, CheckBatchReadsOneContactPerLine) {
  ASSERT_EQ(
      Run({"object", "--email", "b@example.si", "--method", "verbal"}).code, 0);
  std::string file = dir_.File("contacts.txt");
  std::ofstream(file) << "# contacts\nemail:a@example.si\n"
                         "email:b@example.si,phone:+38631123456\n";
  ProgramResult batch = Run({"check-batch", file, "--purpose", "customer-care",
                             "--channel", "email"});
  EXPECT_EQ(batch.code, 3) << batch.stderr_text;
  EXPECT_THAT(batch.stdout_text, HasSubstr("2          ALLOW"));
  EXPECT_THAT(batch.stdout_text, HasSubstr("3          DENY   OBJECTION"));
  // Named once for the batch, as the answer carries it.
  EXPECT_THAT(batch.stdout_text, HasSubstr("decided under policy default-"));
}

TEST_F(ConsentctlTest, AnImportedRegisterDeniesItsNumbersUntilDropped) {
  std::string file = dir_.File("dnc.txt");
  std::ofstream(file) << "# national register\n031 123 456\n12\n"
                         "phone:+38640111222\n";
  ProgramResult imported =
      Run({"list", "import", file, "--name", "si-national-dnc", "--version",
           "2026-11", "--region", "SI", "--channel", "phone"});
  ASSERT_EQ(imported.code, 0) << imported.stderr_text;
  EXPECT_THAT(imported.stdout_text, HasSubstr("2 entries, 1 rejected"));

  ProgramResult shown = Run({"list", "show"});
  EXPECT_THAT(shown.stdout_text, HasSubstr("si-national-dnc"));
  EXPECT_THAT(shown.stdout_text, HasSubstr("channels phone"));

  // A weekday morning to come, inside calling hours.
  const std::string morning = absl::FormatTime(
      absl::RFC3339_sec,
      absl::FromUnixMicros(
          google::protobuf::util::TimeUtil::TimestampToMicroseconds(
              testing::CallingHourAfter(absl::Now()))),
      absl::UTCTimeZone());
  ProgramResult denied =
      Run({"check", "--phone", "+38631123456", "--purpose", "customer-care",
           "--channel", "phone", "--at", morning});
  EXPECT_EQ(denied.code, 3);
  EXPECT_THAT(denied.stdout_text,
              HasSubstr("DENY  SUPPRESSION_LIST (si-national-dnc)"));

  ASSERT_EQ(Run({"list", "drop", "--name", "si-national-dnc"}).code, 0);
  EXPECT_EQ(Run({"check", "--phone", "+38631123456", "--purpose",
                 "customer-care", "--channel", "phone", "--at", morning})
                .code,
            0);
}

TEST_F(ConsentctlTest, AnImportWithABadLinePublishesNothing) {
  std::string good = dir_.File("good.txt");
  std::ofstream(good) << "031 123 456\n";
  ASSERT_EQ(Run({"list", "import", good, "--name", "dnc", "--version", "v1",
                 "--region", "SI"})
                .code,
            0);
  std::string bad = dir_.File("bad.txt");
  std::ofstream(bad) << "040 111 222\nid:no-separator\n";
  ProgramResult result = Run({"list", "import", bad, "--name", "dnc",
                              "--version", "v2", "--region", "SI"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("line 2"));
  EXPECT_THAT(result.stderr_text, HasSubstr("nothing imported"));
  ProgramResult shown = Run({"list", "show"});
  EXPECT_THAT(shown.stdout_text, HasSubstr("v1"));
  EXPECT_THAT(shown.stdout_text, ::testing::Not(HasSubstr("v2")));
}

TEST_F(ConsentctlTest,
       ScrubSplitsACsvKeepingColumnsAndSavesAVerifiableReceipt) {
  ASSERT_EQ(
      Run({"object", "--phone", "+38631123456", "--method", "verbal"}).code, 0);
  std::string leads = dir_.File("leads.csv");
  std::ofstream(leads, std::ios::binary)
      << "\xEF\xBB\xBFname,phone,note\r\n"
         "\"Novak, Ana\",031 123 456,\"said \"\"no\"\"\"\r\n"
         "Boris,040 111 222,\"two\nlines\"\r\n"
         "short,row\r\n"
         "Cilka,12,x\r\n";
  ProgramResult scrub =
      Run({"scrub", leads, "--purpose", "customer-care", "--channel", "email",
           "--region", "SI", "--phone-column", "phone"});
  ASSERT_EQ(scrub.code, 0) << scrub.stderr_text;
  EXPECT_THAT(scrub.stderr_text,
              HasSubstr("line 5: expected 3 fields, found 2"));
  EXPECT_EQ(testing::ReadFileOrEmpty(dir_.File("leads.allowed.csv")),
            "name,phone,note\nBoris,040 111 222,\"two\nlines\"\n");
  EXPECT_EQ(testing::ReadFileOrEmpty(dir_.File("leads.rejected.csv")),
            "name,phone,note,consentd_reason,consentd_detail\n"
            "\"Novak, Ana\",031 123 456,\"said \"\"no\"\"\",OBJECTION,global\n"
            "short,row,MALFORMED_ROW,\"line 5: expected 3 fields, found 2\"\n"
            "Cilka,12,x,INVALID_IDENTIFIER,\n");

  std::string key = dir_.File("key.json");
  ProgramResult key_out = Run({"receipt", "key"});
  ASSERT_EQ(key_out.code, 0);
  std::ofstream(key) << key_out.stdout_text;
  std::string receipt = dir_.File("leads.receipt.json");
  ProgramResult verified = Run({"receipt", "verify", receipt, "--key", key});
  EXPECT_EQ(verified.code, 0) << verified.stderr_text;
  EXPECT_THAT(verified.stdout_text, HasSubstr("is intact"));

  // One byte of the receipt changed: a row count.
  std::string text = testing::ReadFileOrEmpty(receipt);
  size_t at = text.find("\"rows_allowed\": \"1\"");
  ASSERT_NE(at, std::string::npos) << text;
  text[at + std::string("\"rows_allowed\": \"").size()] = '2';
  std::string tampered = dir_.File("tampered.json");
  std::ofstream(tampered) << text;
  ProgramResult rejected = Run({"receipt", "verify", tampered, "--key", key});
  EXPECT_EQ(rejected.code, 1);
  EXPECT_THAT(rejected.stderr_text, HasSubstr("DATA_LOSS"));
}

TEST_F(ConsentctlTest, AScrubNamingAMissingColumnScrubsNothing) {
  std::string leads = dir_.File("leads.csv");
  std::ofstream(leads) << "name,mobile\nAna,031 123 456\n";
  ProgramResult scrub = Run({"scrub", leads, "--purpose", "marketing",
                             "--channel", "phone", "--phone-column", "phone"});
  EXPECT_EQ(scrub.code, 1);
  EXPECT_THAT(scrub.stderr_text, HasSubstr("no column \"phone\""));
}

TEST_F(ConsentctlTest, AnOfficerOpensVerifiesExtendsAndListsARequest) {
  ProgramResult opened = Run({"--json", "request", "open", "--type", "erasure",
                              "--email", "ana@example.si", "--via", "e-mail",
                              "--received-at", "2026-01-31T09:00:00Z"});
  ASSERT_EQ(opened.code, 0) << opened.stderr_text;
  EXPECT_THAT(opened.stdout_text,
              HasSubstr("\"due_at\":\"2026-02-28T09:00:00Z\""));
  size_t at = opened.stdout_text.find("dsr-");
  ASSERT_NE(at, std::string::npos);
  std::string id = opened.stdout_text.substr(at, 20);

  EXPECT_EQ(Run({"request", "verify", id, "--method", "reply"}).code, 0);
  ProgramResult extended = Run(
      {"request", "extend", id, "--months", "2", "--reason", "three systems"});
  ASSERT_EQ(extended.code, 0) << extended.stderr_text;
  EXPECT_THAT(extended.stdout_text, HasSubstr("2026-04-30 09:00:00 UTC"));
  ProgramResult again =
      Run({"request", "extend", id, "--months", "1", "--reason", "more"});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.stderr_text, HasSubstr("FAILED_PRECONDITION"));

  ProgramResult listed = Run({"request", "list", "--overdue"});
  ASSERT_EQ(listed.code, 0) << listed.stderr_text;
  EXPECT_THAT(listed.stdout_text, HasSubstr(id));
  EXPECT_THAT(listed.stdout_text, HasSubstr("OVERDUE"));
  ProgramResult shown = Run({"request", "show", id});
  EXPECT_THAT(shown.stdout_text,
              HasSubstr("extended by 2 month(s): three systems"));
}

TEST_F(ConsentctlTest, AnErasureRequestForgetsThePersonForGood) {
  ASSERT_EQ(Run({"consent", "grant", "--email", "ana@example.si", "--purpose",
                 "marketing", "--method", "web-form"})
                .code,
            0);
  ProgramResult opened =
      Run({"--json", "request", "open", "--type", "erasure", "--email",
           "ana@example.si", "--phone", "+38631123456", "--via", "letter"});
  ASSERT_EQ(opened.code, 0) << opened.stderr_text;
  std::string id =
      opened.stdout_text.substr(opened.stdout_text.find("dsr-"), 20);
  ASSERT_EQ(Run({"request", "verify", id, "--method", "signed letter"}).code,
            0);
  ProgramResult completed = Run({"request", "complete", id});
  ASSERT_EQ(completed.code, 0) << completed.stderr_text;
  EXPECT_THAT(completed.stdout_text, HasSubstr("COMPLETED"));
  EXPECT_THAT(completed.stdout_text,
              ::testing::Not(HasSubstr("ana@example.si")));

  // A purchased list brings the person back in another format: denied.
  ProgramResult check = Run({"check", "--email", "ANA@Example.si", "--phone",
                             "031 123 456", "--region", "SI", "--purpose",
                             "customer-care", "--channel", "email"});
  EXPECT_EQ(check.code, 3);
  EXPECT_THAT(check.stdout_text, HasSubstr("DENY  ERASED"));
  ProgramResult shown = Run({"show", "--email", "ana@example.si"});
  EXPECT_THAT(shown.stdout_text, HasSubstr("ERASURE"));
  EXPECT_THAT(shown.stdout_text, ::testing::Not(HasSubstr("CONSENT_GRANTED")));
}

TEST_F(ConsentctlTest, AnAccessRequestIsAnsweredWithAPrivateJsonExport) {
  ASSERT_EQ(Run({"consent", "grant", "--email", "ana@example.si", "--purpose",
                 "marketing", "--channel", "email", "--method", "web-form",
                 "--evidence-ref", "form-4411"})
                .code,
            0);
  const std::string id =
      OpenVerified({"--type", "access", "--email", "Ana@Example.si"});
  ASSERT_FALSE(id.empty());
  ProgramResult early = Complete(id);
  EXPECT_EQ(early.code, 1);
  EXPECT_THAT(early.stderr_text, HasSubstr("not been exported"));

  const std::string file = dir_.File("ana-export.json");
  ProgramResult exported = Run({"request", "export", id, "--output", file});
  ASSERT_EQ(exported.code, 0) << exported.stderr_text;
  EXPECT_THAT(exported.stdout_text, HasSubstr("sha256 "));
  struct stat info;
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string document = testing::ReadFileOrEmpty(file);
  EXPECT_THAT(document,
              HasSubstr("\"schema\": \"consentd.subject-export.v1\""));
  EXPECT_THAT(document, HasSubstr("\"evidence_reference\": \"form-4411\""));
  EXPECT_THAT(document, HasSubstr("\"value\": \"ana@example.si\""));

  ProgramResult completed = Complete(id);
  ASSERT_EQ(completed.code, 0) << completed.stderr_text;
  EXPECT_THAT(completed.stdout_text, HasSubstr("export delivered"));
}

TEST_F(ConsentctlTest, APortabilityExportGoesToStandardOutput) {
  const std::string id =
      OpenVerified({"--type", "portability", "--phone", "+38631123456"});
  ASSERT_FALSE(id.empty());
  ProgramResult exported = Run({"request", "export", id});
  ASSERT_EQ(exported.code, 0) << exported.stderr_text;
  EXPECT_THAT(exported.stdout_text, HasSubstr("\"value\": \"+38631123456\""));
  EXPECT_EQ(Complete(id).code, 0);
}

TEST_F(ConsentctlTest, ARectificationMovesConsentAndKeepsTheOldRefusal) {
  ASSERT_EQ(Run({"consent", "grant", "--email", "ana@exmaple.si", "--purpose",
                 "marketing", "--channel", "email", "--method", "web-form"})
                .code,
            0);
  ASSERT_EQ(Run({"object", "--email", "ana@exmaple.si", "--purpose", "surveys",
                 "--method", "verbal"})
                .code,
            0);
  const std::string id =
      OpenVerified({"--type", "rectification", "--email", "ana@exmaple.si",
                    "--replace-with", "email:ana@example.si"});
  ASSERT_FALSE(id.empty());
  ProgramResult completed = Complete(id);
  ASSERT_EQ(completed.code, 0) << completed.stderr_text;
  EXPECT_THAT(completed.stdout_text, HasSubstr("moved 2 fact(s)"));

  EXPECT_EQ(CheckEmail("ana@example.si", "marketing").code, 0);
  EXPECT_EQ(CheckEmail("ana@exmaple.si", "marketing").code, 3);
  ProgramResult old_refusal = CheckEmail("ana@exmaple.si", "surveys");
  EXPECT_EQ(old_refusal.code, 3);
  EXPECT_THAT(old_refusal.stdout_text, HasSubstr("OBJECTION"));
}

TEST_F(ConsentctlTest, ARestrictionDeniesUntilLifted) {
  const std::string id =
      OpenVerified({"--type", "restriction", "--email", "ana@example.si"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Complete(id).code, 0);
  ProgramResult restricted = CheckEmail("ana@example.si");
  EXPECT_EQ(restricted.code, 3);
  EXPECT_THAT(restricted.stdout_text, HasSubstr("RESTRICTED"));
  ProgramResult lifted =
      Run({"request", "lift", id, "--reason", "accuracy confirmed"});
  ASSERT_EQ(lifted.code, 0) << lifted.stderr_text;
  EXPECT_THAT(lifted.stdout_text,
              HasSubstr("restriction lifted: accuracy confirmed"));
  EXPECT_EQ(CheckEmail("ana@example.si").code, 0);
}

TEST_F(ConsentctlTest, AnObjectionRequestStopsEveryContact) {
  const std::string id =
      OpenVerified({"--type", "objection", "--email", "ana@example.si"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Complete(id).code, 0);
  ProgramResult denied = CheckEmail("ana@example.si");
  EXPECT_EQ(denied.code, 3);
  EXPECT_THAT(denied.stdout_text, HasSubstr("OBJECTION"));
}

TEST_F(ConsentctlTest, ARejectedRequestIsClosedWithItsReason) {
  const std::string id =
      OpenVerified({"--type", "access", "--email", "ana@example.si"});
  ASSERT_FALSE(id.empty());
  ProgramResult rejected =
      Run({"request", "reject", id, "--reason", "identity not confirmed"});
  ASSERT_EQ(rejected.code, 0) << rejected.stderr_text;
  EXPECT_THAT(rejected.stdout_text, HasSubstr("REJECTED"));
  EXPECT_THAT(rejected.stdout_text, HasSubstr("identity not confirmed"));
  EXPECT_EQ(Run({"request", "export", id}).code, 1);
}

TEST_F(ConsentctlTest, TheAuditTrailListsEveryChangeAndVerifies) {
  ASSERT_EQ(Run({"consent", "grant", "--email", "ana@example.si", "--purpose",
                 "marketing", "--method", "web-form"})
                .code,
            0);
  ASSERT_EQ(
      Run({"object", "--email", "ana@example.si", "--method", "recorded-call"})
          .code,
      0);
  ProgramResult listed = Run({"--json", "audit", "list"});
  ASSERT_EQ(listed.code, 0) << listed.stderr_text;
  EXPECT_THAT(listed.stdout_text, HasSubstr("fact.consent_granted"));
  EXPECT_THAT(listed.stdout_text, HasSubstr("fact.objection"));
  EXPECT_THAT(listed.stdout_text, ::testing::Not(HasSubstr("ana@example.si")));

  // An auditor keeps a checkpoint away from the server and checks the
  // chain against it later.
  ProgramResult checkpoint = Run({"--json", "audit", "checkpoint"});
  ASSERT_EQ(checkpoint.code, 0) << checkpoint.stderr_text;
  testing::TempDir kept;
  const std::string file = kept.File("checkpoint.json");
  std::ofstream(file) << checkpoint.stdout_text;
  ASSERT_EQ(
      Run({"object", "--email", "bo@example.si", "--method", "recorded-call"})
          .code,
      0);
  ProgramResult verified = Run({"audit", "verify", "--checkpoint", file});
  EXPECT_EQ(verified.code, 0) << verified.stderr_text;
  EXPECT_THAT(verified.stdout_text, HasSubstr("audit trail intact: 3 entries"));
  EXPECT_THAT(verified.stdout_text,
              HasSubstr("the kept checkpoint at entry 2 matches"));
  ProgramResult wrong_key = Run({"audit", "verify", "--checkpoint", file,
                                 "--key-id", "0011223344556677"});
  EXPECT_EQ(wrong_key.code, 1);
  EXPECT_THAT(wrong_key.stderr_text, HasSubstr("not by the pinned key"));
}

TEST_F(ConsentctlTest, AnAdminRotatesTheDatabaseKeyOnline) {
  ASSERT_EQ(
      Run({"object", "--email", "ana@example.si", "--method", "recorded-call"})
          .code,
      0);
  ASSERT_EQ(server_->Stop(), 0);
  const std::string keyring = dir_.File("data") + "/keyring";
  testing::ProgramResult added = testing::ConsentdProcess::RunToExit(
      {"--keyring", keyring, "--add-key", "database"});
  ASSERT_EQ(added.code, 0) << added.stderr_text;
  EXPECT_THAT(added.stdout_text, HasSubstr("added database key version 2"));
  server_.reset();
  absl::StatusOr<testing::ConsentdProcess> restarted =
      testing::ConsentdProcess::Start(dir_.File("data"),
                                      {"--dev", "--keyring", keyring});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  server_.emplace(*std::move(restarted));
  EXPECT_THAT(server_->log(), HasSubstr("consentctl admin rekey"));

  ProgramResult rekeyed = Run({"admin", "rekey"});
  ASSERT_EQ(rekeyed.code, 0) << rekeyed.stderr_text;
  EXPECT_THAT(rekeyed.stdout_text,
              HasSubstr("re-encrypted the store under database key version 2 "
                        "(was version 1)"));
  EXPECT_THAT(Run({"status"}).stdout_text,
              HasSubstr("database key         v2"));
  EXPECT_EQ(CheckEmail("ana@example.si").code, 3);
  EXPECT_THAT(Run({"audit", "list"}).stdout_text, HasSubstr("keys.rekeyed"));

  // Restarted, the store opens under the new key, with nothing to rekey.
  ASSERT_EQ(server_->Stop(), 0);
  server_.reset();
  absl::StatusOr<testing::ConsentdProcess> again =
      testing::ConsentdProcess::Start(dir_.File("data"),
                                      {"--dev", "--keyring", keyring});
  ASSERT_TRUE(again.ok()) << again.status();
  server_.emplace(*std::move(again));
  EXPECT_THAT(server_->log(),
              ::testing::Not(HasSubstr("consentctl admin rekey")));
  EXPECT_THAT(Run({"status"}).stdout_text,
              HasSubstr("database key         v2"));
  EXPECT_EQ(CheckEmail("ana@example.si").code, 3);
}

TEST_F(ConsentctlTest, BadUsageIsReportedWithoutCallingTheServer) {
  ProgramResult result =
      Run({"check", "--purpose", "marketing", "--channel", "phone"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("at least one identifier"));
}

}  // namespace
}  // namespace consentd
