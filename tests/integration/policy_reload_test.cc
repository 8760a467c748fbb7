// SIGHUP against a real consentd: the policy file is read again and put in
// force while checks go on, none of them dropped; a policy with errors, or
// one that changes what only a restart may, is reported in the log and the
// policy in force stays.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_replace.h"
#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/default_policy.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using testing::ConsentdProcess;
using ::testing::HasSubstr;

constexpr char kShippedVersion[] = "default-2026-11";

class PolicyReloadTest : public ::testing::Test {
 protected:
  void WritePolicy(const std::string& text) {
    std::ofstream(policy_path_, std::ios::trunc) << text;
  }
  static std::string Versioned(const std::string& version) {
    return absl::StrReplaceAll(policy::DefaultPolicyText(),
                               {{kShippedVersion, version}});
  }
  static consent::v1::CheckRequest Check() {
    consent::v1::CheckRequest check;
    *check.add_identifiers() = testing::Email("reload@example.si");
    check.set_purpose("marketing");
    check.set_channel("email");
    return check;
  }
  static std::string VersionNamed(client::ConsentClient& client) {
    absl::StatusOr<consent::v1::CheckResponse> answer = client.Check(Check());
    return answer.ok() ? answer->decision().policy_version()
                       : answer.status().ToString();
  }

  testing::TempDir dir_;
  const std::string policy_path_ = dir_.File("policy.textproto");
};

TEST_F(PolicyReloadTest, SighupPutsTheFileInForceWithoutDroppingACheck) {
  WritePolicy(Versioned("v1"));
  absl::StatusOr<ConsentdProcess> server = ConsentdProcess::Start(
      dir_.File("data"), {"--dev", "--policy", policy_path_});
  ASSERT_TRUE(server.ok()) << server.status();
  client::ConsentClient client(server->address());
  ASSERT_EQ(VersionNamed(client), "v1");

  // Checks go on, from a client of their own, through every reload below.
  std::atomic<bool> stop = false;
  std::atomic<int> answered = 0;
  std::atomic<int> failed = 0;
  std::thread checks([&] {
    client::ConsentClient checker(server->address());
    while (!stop) {
      (checker.Check(Check()).ok() ? answered : failed)++;
    }
  });

  WritePolicy(Versioned("v2"));
  std::string line = server->Reload();
  EXPECT_THAT(line, HasSubstr("level=info event=policy_replaced"));
  EXPECT_THAT(line, HasSubstr("previous=v1 version=v2"));
  EXPECT_EQ(VersionNamed(client), "v2");

  WritePolicy(Versioned("v2"));
  EXPECT_THAT(server->Reload(), HasSubstr("event=policy_unchanged"));

  WritePolicy("version: \"v3\"\npurposes { name: \"broken\"\n");
  line = server->Reload();
  EXPECT_THAT(line, HasSubstr("level=error event=policy_kept version=v2"));
  EXPECT_THAT(line, HasSubstr("code=INVALID_ARGUMENT"));
  EXPECT_THAT(line, HasSubstr("line"));
  EXPECT_EQ(VersionNamed(client), "v2");

  WritePolicy(absl::StrReplaceAll(Versioned("v4"),
                                  {{"name: \"surveys\"", "name: \"polls\""}}));
  line = server->Reload();
  EXPECT_THAT(line, HasSubstr("event=policy_kept version=v2"));
  EXPECT_THAT(line, HasSubstr("code=FAILED_PRECONDITION"));
  EXPECT_EQ(VersionNamed(client), "v2");

  std::filesystem::remove(policy_path_);
  EXPECT_THAT(server->Reload(), HasSubstr("code=NOT_FOUND"));
  EXPECT_EQ(VersionNamed(client), "v2");

  stop = true;
  checks.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(answered, 0);
  EXPECT_EQ(server->Stop(), 0) << server->log();
}

TEST_F(PolicyReloadTest, WithoutAPolicyFileSighupKeepsTheShippedPolicy) {
  absl::StatusOr<ConsentdProcess> server =
      ConsentdProcess::Start(dir_.File("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT(server->Reload(),
              HasSubstr(absl::StrCat("level=warning event=policy_kept version=",
                                     kShippedVersion)));
  client::ConsentClient client(server->address());
  EXPECT_EQ(VersionNamed(client), kShippedVersion);
  EXPECT_EQ(server->Stop(), 0) << server->log();
}

}  // namespace
}  // namespace consentd
