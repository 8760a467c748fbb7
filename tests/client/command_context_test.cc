#include "client/consentctl/command_context.h"

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "consent/v1/consent.pb.h"
#include "gtest/gtest.h"

namespace consentd::consentctl {
namespace {

// Parses the command line `args` (without the program's name) into `app`.
void Parse(CLI::App& app, std::vector<const char*> args) {
  args.insert(args.begin(), "consentctl");
  app.parse(static_cast<int>(args.size()), args.data());
}

TEST(CommandContextTest, OnlyTheChosenSubcommandRunsAndSetsTheExitStatus) {
  CLI::App app;
  CommandContext context;
  std::vector<std::string> ran;
  OnRun(app.add_subcommand("first"), context, [&ran]() -> absl::StatusOr<int> {
    ran.push_back("first");
    return 0;
  });
  OnRun(app.add_subcommand("second"), context, [&ran]() -> absl::StatusOr<int> {
    ran.push_back("second");
    return kExitDenied;
  });
  Parse(app, {"second"});
  EXPECT_EQ(ran, std::vector<std::string>{"second"});
  EXPECT_EQ(context.exit_code, kExitDenied);
}

TEST(CommandContextTest, TheCommandRunsWithTheGlobalFlagsAClientAndAPrinter) {
  CLI::App app;
  CommandContext context;
  AddGlobalFlags(app, context);
  bool ready = false;
  OnRun(app.add_subcommand("status"), context,
        [&context, &ready]() -> absl::StatusOr<int> {
          ready = context.client.has_value() && context.printer.has_value();
          return 0;
        });
  Parse(app,
        {"--server", "127.0.0.1:1", "--json", "--timeout", "2.5", "status"});
  EXPECT_TRUE(ready);
  EXPECT_EQ(context.server, "127.0.0.1:1");
  EXPECT_TRUE(context.json);
  EXPECT_EQ(context.timeout_seconds, 2.5);
  EXPECT_EQ(context.exit_code, 0);
}

TEST(CommandContextTest, AnErrorIsReportedOnStandardErrorAndExitsOne) {
  CLI::App app;
  CommandContext context;
  OnRun(app.add_subcommand("read"), context, []() -> absl::StatusOr<int> {
    return absl::NotFoundError("cannot read missing.txt");
  });
  std::ostringstream reported;
  std::streambuf* const standard_error = std::cerr.rdbuf(reported.rdbuf());
  Parse(app, {"read"});
  std::cerr.rdbuf(standard_error);
  EXPECT_EQ(reported.str(), "consentctl: NOT_FOUND: cannot read missing.txt\n");
  EXPECT_EQ(context.exit_code, kExitError);
}

TEST(CommandContextTest, NothingRunsWhenParsingFails) {
  CLI::App app;
  CommandContext context;
  bool ran = false;
  CLI::App* command = app.add_subcommand("command");
  command->add_option("--needed", "A required option")->required();
  OnRun(command, context, [&ran]() -> absl::StatusOr<int> {
    ran = true;
    return 0;
  });
  EXPECT_THROW(Parse(app, {"command"}), CLI::RequiredError);
  EXPECT_FALSE(ran);
  EXPECT_EQ(context.exit_code, kExitError);
}

TEST(CommandContextTest, PrintAnswerPrintsASuccessAndExitsZero) {
  CommandContext context;
  std::ostringstream out;
  context.printer.emplace(/*json=*/true, out);
  consent::v1::CheckResponse response;
  response.mutable_decision()->set_verdict(consent::v1::VERDICT_ALLOW);
  absl::StatusOr<int> exit_code = PrintAnswer(
      context, absl::StatusOr<consent::v1::CheckResponse>(response));
  EXPECT_EQ(exit_code, absl::StatusOr<int>(0));
  EXPECT_EQ(out.str(), "{\"decision\":{\"verdict\":\"VERDICT_ALLOW\"}}\n");
}

TEST(CommandContextTest, PrintAnswerPassesAnErrorOnAndPrintsNothing) {
  CommandContext context;
  std::ostringstream out;
  context.printer.emplace(/*json=*/true, out);
  absl::StatusOr<int> exit_code =
      PrintAnswer(context, absl::StatusOr<consent::v1::CheckResponse>(
                               absl::UnavailableError("no server")));
  EXPECT_EQ(exit_code.status(), absl::UnavailableError("no server"));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace consentd::consentctl
