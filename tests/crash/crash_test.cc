// The crash test: a real consentd under concurrent mixed load (refusals,
// grants, list imports, erasures) is killed with SIGKILL at a random
// moment, round after round, and restarted; after each restart every write
// it acknowledged must be there, no list version it did not finish may be
// published in part, and every check must answer as it did before.
//
// CI runs a few rounds; scripts/crash-test.sh N runs N. Each round prints
// one line: what was acknowledged, and what was lost (always 0, or the test
// fails). Rounds: $CONSENTD_CRASH_ROUNDS (default 3). The addresses are
// made up for the test; no output names one.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/consent_client.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using testing::Email;

constexpr char kList[] = "crash-list";

int Rounds() {
  int rounds = 3;
  const char* env = std::getenv("CONSENTD_CRASH_ROUNDS");
  if (env != nullptr && !absl::SimpleAtoi(env, &rounds)) rounds = 3;
  return std::max(rounds, 1);
}

// What the load was told was durable, and what it only attempted.
struct Acknowledged {
  absl::Mutex mu;
  std::vector<std::string> objections ABSL_GUARDED_BY(mu);
  std::vector<std::string> grants ABSL_GUARDED_BY(mu);
  // Erasures asked for (an answer may have been lost) and acknowledged.
  std::vector<std::string> erasures_attempted ABSL_GUARDED_BY(mu);
  std::vector<std::string> erasures ABSL_GUARDED_BY(mu);
  // Every list version attempted, with its entry count, in order; the last
  // acknowledged one.
  std::map<std::string, int64_t> list_versions ABSL_GUARDED_BY(mu);
  std::vector<std::string> version_order ABSL_GUARDED_BY(mu);
  std::optional<std::string> last_list_version ABSL_GUARDED_BY(mu);
};

class CrashTest : public ::testing::Test {
 protected:
  void Start() {
    absl::StatusOr<testing::ConsentdProcess> server =
        testing::ConsentdProcess::Start(dir_.File("data"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(*std::move(server));
  }

  client::ConsentClient Client() const {
    return client::ConsentClient(server_->address(), absl::Seconds(5));
  }

  // The reason the server gives for each of `emails`, in order.
  std::vector<consent::v1::DecisionReason> Reasons(
      const std::vector<std::string>& emails) const {
    std::vector<consent::v1::DecisionReason> reasons;
    client::ConsentClient client = Client();
    for (size_t from = 0; from < emails.size(); from += 1000) {
      consent::v1::CheckBatchRequest batch;
      batch.set_purpose("marketing");
      batch.set_channel("email");
      for (size_t i = from; i < std::min(emails.size(), from + 1000); ++i) {
        *batch.add_contacts()->add_identifiers() = Email(emails[i]);
      }
      absl::StatusOr<consent::v1::CheckBatchResponse> answer =
          client.CheckBatch(batch);
      EXPECT_TRUE(answer.ok()) << answer.status();
      if (!answer.ok()) return reasons;
      for (const auto& result : answer->decisions()) {
        reasons.push_back(result.decision().reason());
      }
    }
    return reasons;
  }

  // The load: one writer of each kind until `stop`.
  void RunLoad(int round, std::atomic<bool>& stop, Acknowledged& ack) {
    std::vector<std::thread> writers;
    writers.emplace_back([&, round] {
      client::ConsentClient client = Client();
      for (int i = 0; !stop; ++i) {
        const std::string email =
            absl::StrCat("r", round, "-", i, "@crash.example");
        consent::v1::RecordObjectionRequest objection;
        *objection.add_identifiers() = Email(email);
        objection.mutable_evidence()->set_collection_method(
            consent::v1::COLLECTION_METHOD_RECORDED_CALL);
        if (!client.RecordObjection(objection).ok()) return;
        absl::MutexLock lock(&ack.mu);
        ack.objections.push_back(email);
      }
    });
    writers.emplace_back([&, round] {
      client::ConsentClient client = Client();
      for (int i = 0; !stop; ++i) {
        const std::string email =
            absl::StrCat("g", round, "-", i, "@crash.example");
        consent::v1::RecordConsentRequest grant;
        *grant.add_identifiers() = Email(email);
        grant.set_purpose("marketing");
        grant.set_channel("email");
        grant.set_action(consent::v1::CONSENT_ACTION_GRANT);
        grant.mutable_evidence()->set_collection_method(
            consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
        if (!client.RecordConsent(grant).ok()) return;
        absl::MutexLock lock(&ack.mu);
        ack.grants.push_back(email);
      }
    });
    writers.emplace_back([&, round] {
      client::ConsentClient client = Client();
      for (int j = 0; !stop; ++j) {
        const std::string version = absl::StrCat("v", round, "-", j);
        // A size of its own, so a version published in part would show;
        // growing, as a list may not shrink by more than a tenth.
        int64_t size = 0;
        {
          absl::MutexLock lock(&ack.mu);
          size = 300 + 7 * static_cast<int64_t>(ack.version_order.size());
          ack.list_versions[version] = size;
          ack.version_order.push_back(version);
        }
        consent::v1::ImportListHeader header;
        header.set_name(kList);
        header.set_version(version);
        int64_t sent = 0;
        absl::StatusOr<consent::v1::SuppressionList> imported =
            client.ImportList(
                header,
                [&](consent::v1::Identifier* entry) -> absl::StatusOr<bool> {
                  if (sent == size) return false;
                  entry->set_email(absl::StrCat("l", version, "-", sent++,
                                                "@crash.example"));
                  return true;
                });
        if (!imported.ok()) return;
        absl::MutexLock lock(&ack.mu);
        ack.last_list_version = version;
      }
    });
    writers.emplace_back([&] {
      client::ConsentClient client = Client();
      while (!stop) {
        std::string subject;
        {
          absl::MutexLock lock(&ack.mu);
          // Erase one in forty refusals, the oldest not yet erased.
          if (ack.objections.size() / 40 <= ack.erasures_attempted.size()) {
            subject.clear();
          } else {
            subject = ack.objections[ack.erasures_attempted.size() * 40];
            ack.erasures_attempted.push_back(subject);
          }
        }
        if (subject.empty()) {
          absl::SleepFor(absl::Milliseconds(2));  // pacing, not a proof
          continue;
        }
        consent::v1::OpenRequestRequest open;
        open.set_type(consent::v1::REQUEST_TYPE_ERASURE);
        *open.add_identifiers() = Email(subject);
        absl::StatusOr<consent::v1::DataSubjectRequest> opened =
            client.OpenRequest(open);
        if (!opened.ok()) return;
        consent::v1::VerifyIdentityRequest verify;
        verify.set_request_id(opened->request_id());
        verify.set_method("crash test");
        if (!client.VerifyIdentity(verify).ok()) return;
        consent::v1::CompleteRequestRequest complete;
        complete.set_request_id(opened->request_id());
        if (!client.CompleteRequest(complete).ok()) return;
        absl::MutexLock lock(&ack.mu);
        ack.erasures.push_back(subject);
      }
    });
    for (std::thread& writer : writers) writer.join();
  }

  testing::TempDir dir_;
  std::optional<testing::ConsentdProcess> server_;
};

TEST_F(CrashTest, NothingAcknowledgedIsLostAcrossKills) {
  const int rounds = Rounds();
  std::mt19937 random(std::random_device{}());
  Acknowledged ack;
  int64_t total_lost = 0;
  for (int round = 1; round <= rounds; ++round) {
    ASSERT_NO_FATAL_FAILURE(Start());
    std::atomic<bool> stop{false};
    std::thread load([&] { RunLoad(round, stop, ack); });
    // The kill's moment, at random within the round's load.
    absl::SleepFor(absl::Milliseconds(
        std::uniform_int_distribution<int>(50, 700)(random)));
    server_->Kill();
    stop = true;
    load.join();
    server_.reset();
    ASSERT_NO_FATAL_FAILURE(Start());

    absl::MutexLock lock(&ack.mu);
    int64_t lost = 0;
    // Refusals: each still denies; erased ones as ERASED, and one whose
    // erasure was asked but unanswered either way.
    std::set<std::string> erased(ack.erasures.begin(), ack.erasures.end());
    std::set<std::string> maybe_erased(ack.erasures_attempted.begin(),
                                       ack.erasures_attempted.end());
    std::vector<consent::v1::DecisionReason> reasons = Reasons(ack.objections);
    ASSERT_EQ(reasons.size(), ack.objections.size());
    for (size_t i = 0; i < reasons.size(); ++i) {
      const std::string& email = ack.objections[i];
      const bool ok =
          erased.contains(email)
              ? reasons[i] == consent::v1::DECISION_REASON_ERASED
          : maybe_erased.contains(email)
              ? (reasons[i] == consent::v1::DECISION_REASON_ERASED ||
                 reasons[i] == consent::v1::DECISION_REASON_OBJECTION)
              : reasons[i] == consent::v1::DECISION_REASON_OBJECTION;
      if (!ok) ++lost;
    }
    // Grants: each still allows.
    reasons = Reasons(ack.grants);
    ASSERT_EQ(reasons.size(), ack.grants.size());
    for (consent::v1::DecisionReason reason : reasons) {
      if (reason != consent::v1::DECISION_REASON_CONSENT_GRANTED) ++lost;
    }
    // The list: a version attempted, whole, no older than the last
    // acknowledged one.
    absl::StatusOr<consent::v1::ListListsResponse> lists = Client().ListLists();
    ASSERT_TRUE(lists.ok()) << lists.status();
    std::optional<consent::v1::SuppressionList> held;
    for (const consent::v1::SuppressionList& list : lists->lists()) {
      if (list.name() == kList) held = list;
    }
    if (ack.last_list_version.has_value()) {
      if (!held.has_value()) {
        ++lost;
      } else {
        auto attempted = ack.list_versions.find(held->version());
        const auto position = [&](const std::string& version) {
          return std::find(ack.version_order.begin(), ack.version_order.end(),
                           version) -
                 ack.version_order.begin();
        };
        if (attempted == ack.list_versions.end() ||
            attempted->second != held->entries() ||
            position(held->version()) < position(*ack.last_list_version)) {
          ++lost;
        } else {
          const std::vector<std::string> sample = {
              absl::StrCat("l", held->version(), "-0@crash.example"),
              absl::StrCat("l", held->version(), "-", held->entries() - 1,
                           "@crash.example")};
          for (consent::v1::DecisionReason reason : Reasons(sample)) {
            if (reason != consent::v1::DECISION_REASON_SUPPRESSION_LIST) ++lost;
          }
        }
      }
    }
    std::cout << "crash round " << round << ": acknowledged "
              << ack.objections.size() << " refusals, " << ack.grants.size()
              << " grants, " << ack.erasures.size() << " erasures, list "
              << (held.has_value() ? held->version() : std::string("none"))
              << "; lost " << lost << std::endl;
    total_lost += lost;
    server_->Stop();
    server_.reset();
  }
  EXPECT_EQ(total_lost, 0) << "acknowledged writes lost across " << rounds
                           << " kills";
}

}  // namespace
}  // namespace consentd
