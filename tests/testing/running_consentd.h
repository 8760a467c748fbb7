// RunningConsentd: a test fixture with a real consentd on loopback, on a
// data directory of its own, started before each test and stopped after.
#ifndef CONSENTD_TESTS_TESTING_RUNNING_CONSENTD_H_
#define CONSENTD_TESTS_TESTING_RUNNING_CONSENTD_H_

#include <optional>

#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/temp_dir.h"

namespace consentd::testing {

class RunningConsentd : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ConsentdProcess> server =
        ConsentdProcess::Start(dir_.File("data"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(*std::move(server));
  }

  TempDir dir_;
  std::optional<ConsentdProcess> server_;
};

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_RUNNING_CONSENTD_H_
