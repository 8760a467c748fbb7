// consentd_soak: a real consentd under bounded mixed load for a while,
// sampled every 30 s: calls made, errors, consentd's RSS and open file
// descriptors. Exits 1 when any call failed, when RSS grew from the first
// sample after warm-up to the last by more than the facts added account
// for, or descriptors by more than a few (a leak), else 0.
// scripts/soak.sh runs it; not part of CI.
//
//   consentd_soak [--minutes N] [--data-dir DIR]
//
// The load: refusals and grants for new made-up addresses, single and
// batch checks of recorded ones, a list re-imported each minute, an
// erasure every few seconds. No output names an address.
#include <dirent.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/consent_client.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

constexpr absl::Duration kSampleEvery = absl::Seconds(30);
// Growth tolerated from the first sample after warm-up to the last. The
// load only adds facts, and the in-memory index grows with them (under
// 100 B a fact); the rest may grow by the page caches' and allocators'
// slack. A leak grows past these.
constexpr int64_t kRssPerFactAllowed = 256;
constexpr int64_t kRssSlackAllowed = 32 << 20;
constexpr int kFdGrowthAllowed = 8;

struct Counters {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> errors{0};
};

int64_t RssKiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      std::string number = line.substr(6);
      number.erase(number.find_last_not_of(" kB\t") + 1);
      number.erase(0, number.find_first_not_of(" \t"));
      return absl::SimpleAtoi(number, &kib) ? kib : -1;
    }
  }
  return -1;
}

int OpenFds(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 2;  // . and ..
}

// Counts a call; a failed one is also reported by what it was (`call`) and
// its status code, never its request.
void Count(Counters& counters, bool ok, absl::string_view call,
           absl::StatusCode code = absl::StatusCode::kOk) {
  ++counters.calls;
  if (ok) return;
  ++counters.errors;
  std::cerr << "soak: " << call << " failed: " << absl::StatusCodeToString(code)
            << "\n";
}

consent::v1::Identifier EmailOf(const std::string& email) {
  consent::v1::Identifier identifier;
  identifier.set_email(email);
  return identifier;
}

void Load(const std::string& address, int worker, std::atomic<bool>& stop,
          Counters& counters) {
  client::ConsentClient client(address);
  for (int64_t i = 0; !stop; ++i) {
    const std::string email =
        absl::StrCat("w", worker, "-", i, "@soak.example");
    consent::v1::RecordObjectionRequest objection;
    *objection.add_identifiers() = EmailOf(email);
    objection.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_RECORDED_CALL);
    absl::Status objected = client.RecordObjection(objection).status();
    Count(counters, objected.ok(), "RecordObjection", objected.code());

    consent::v1::RecordConsentRequest grant;
    *grant.add_identifiers() = EmailOf(absl::StrCat("g", email));
    grant.set_purpose("marketing");
    grant.set_channel("email");
    grant.set_action(consent::v1::CONSENT_ACTION_GRANT);
    grant.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
    absl::Status granted = client.RecordConsent(grant).status();
    Count(counters, granted.ok(), "RecordConsent", granted.code());

    for (int c = 0; c < 10; ++c) {
      consent::v1::CheckRequest check;
      *check.add_identifiers() = EmailOf(email);
      check.set_purpose("marketing");
      check.set_channel("email");
      absl::StatusOr<consent::v1::CheckResponse> answer = client.Check(check);
      Count(counters,
            answer.ok() && answer->decision().reason() ==
                               consent::v1::DECISION_REASON_OBJECTION,
            "Check (must deny as refused)", answer.status().code());
    }
    consent::v1::CheckBatchRequest batch;
    batch.set_purpose("marketing");
    batch.set_channel("email");
    for (int b = 0; b < 200; ++b) {
      *batch.add_contacts()->add_identifiers() =
          EmailOf(absl::StrCat("w", worker, "-", i - b, "@soak.example"));
    }
    absl::Status batched = client.CheckBatch(batch).status();
    Count(counters, batched.ok(), "CheckBatch", batched.code());
  }
}

void Lists(const std::string& address, std::atomic<bool>& stop,
           Counters& counters) {
  client::ConsentClient client(address);
  for (int version = 0; !stop; ++version) {
    consent::v1::ImportListHeader header;
    header.set_name("soak-list");
    header.set_version(absl::StrCat("v", version));
    int sent = 0;
    absl::Status imported =
        client
            .ImportList(
                header,
                [&](consent::v1::Identifier* entry) -> absl::StatusOr<bool> {
                  if (sent == 5000) return false;
                  entry->set_email(absl::StrCat("l", sent++, "@soak.example"));
                  return true;
                })
            .status();
    Count(counters, imported.ok(), "ImportList", imported.code());
    for (int s = 0; s < 60 && !stop; ++s) absl::SleepFor(absl::Seconds(1));
  }
}

// Records a refusal for a subject of its own, then erases the subject.
void Erasures(const std::string& address, std::atomic<bool>& stop,
              Counters& counters) {
  client::ConsentClient client(address);
  for (int64_t i = 0; !stop; ++i) {
    const std::string email = absl::StrCat("e", i, "@soak.example");
    consent::v1::RecordObjectionRequest objection;
    *objection.add_identifiers() = EmailOf(email);
    objection.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_RECORDED_CALL);
    absl::Status objected = client.RecordObjection(objection).status();
    Count(counters, objected.ok(), "RecordObjection", objected.code());
    consent::v1::OpenRequestRequest open;
    open.set_type(consent::v1::REQUEST_TYPE_ERASURE);
    *open.add_identifiers() = EmailOf(email);
    absl::StatusOr<consent::v1::DataSubjectRequest> opened =
        client.OpenRequest(open);
    Count(counters, opened.ok(), "OpenRequest", opened.status().code());
    if (opened.ok()) {
      consent::v1::VerifyIdentityRequest verify;
      verify.set_request_id(opened->request_id());
      verify.set_method("soak");
      absl::Status verified = client.VerifyIdentity(verify).status();
      Count(counters, verified.ok(), "VerifyIdentity", verified.code());
      consent::v1::CompleteRequestRequest complete;
      complete.set_request_id(opened->request_id());
      absl::Status completed = client.CompleteRequest(complete).status();
      Count(counters, completed.ok(), "CompleteRequest", completed.code());
    }
    for (int s = 0; s < 5 && !stop; ++s) absl::SleepFor(absl::Seconds(1));
  }
}

int Run(int minutes, const std::string& data_dir) {
  absl::StatusOr<testing::ConsentdProcess> server =
      testing::ConsentdProcess::Start(data_dir);
  if (!server.ok()) {
    std::cerr << "soak: " << server.status() << "\n";
    return 1;
  }
  Counters counters;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int worker = 0; worker < 4; ++worker) {
    threads.emplace_back(
        [&, worker] { Load(server->address(), worker, stop, counters); });
  }
  threads.emplace_back([&] { Lists(server->address(), stop, counters); });
  threads.emplace_back([&] { Erasures(server->address(), stop, counters); });

  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Minutes(minutes);
  client::ConsentClient status_client(server->address());
  std::optional<int64_t> first_rss, first_facts;
  std::optional<int> first_fds;
  int64_t rss = 0;
  int64_t facts = 0;
  int fds = 0;
  while (absl::Now() < end) {
    absl::SleepFor(std::min(kSampleEvery, end - absl::Now()));
    rss = RssKiB(server->pid()) * 1024;
    fds = OpenFds(server->pid());
    absl::StatusOr<consent::v1::GetStatusResponse> status =
        status_client.GetStatus();
    Count(counters, status.ok(), "GetStatus", status.status().code());
    if (status.ok()) facts = status->facts();
    // The first sample is the warm-up's end: growth counts from there.
    if (!first_rss) {
      first_rss = rss;
      first_fds = fds;
      first_facts = facts;
    }
    std::cout << "soak " << absl::FormatDuration(absl::Now() - start)
              << ": calls " << counters.calls << ", errors " << counters.errors
              << ", facts " << facts << ", rss " << rss / (1 << 20)
              << " MiB, fds " << fds << std::endl;
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const int stopped = server->Stop();

  bool failed = false;
  if (counters.errors > 0) {
    std::cout << "soak: FAIL: " << counters.errors << " calls failed\n";
    failed = true;
  }
  if (first_rss) {
    const int64_t allowed =
        kRssSlackAllowed + (facts - *first_facts) * kRssPerFactAllowed;
    if (rss - *first_rss > allowed) {
      std::cout << "soak: FAIL: RSS grew by " << (rss - *first_rss) / (1 << 20)
                << " MiB, over the " << allowed / (1 << 20)
                << " MiB the added facts account for\n";
      failed = true;
    }
  }
  if (first_fds && fds > *first_fds + kFdGrowthAllowed) {
    std::cout << "soak: FAIL: open descriptors grew from " << *first_fds
              << " to " << fds << "\n";
    failed = true;
  }
  if (stopped != 0) {
    std::cout << "soak: FAIL: consentd stopped with " << stopped << "\n";
    failed = true;
  }
  std::cout << "soak: " << (failed ? "failed" : "clean") << " after " << minutes
            << " minute(s), " << counters.calls << " calls\n";
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace consentd

int main(int argc, char** argv) {
  int minutes = 10;
  std::optional<std::string> data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--minutes" && absl::SimpleAtoi(argv[i + 1], &minutes) &&
        minutes > 0) {
      continue;
    }
    if (flag == "--data-dir") {
      data_dir = argv[i + 1];
      continue;
    }
    std::cerr << "usage: consentd_soak [--minutes N] [--data-dir DIR]\n";
    return 2;
  }
  if (argc % 2 == 0) {
    std::cerr << "usage: consentd_soak [--minutes N] [--data-dir DIR]\n";
    return 2;
  }
  std::optional<consentd::testing::TempDir> temp;
  if (!data_dir) {
    temp.emplace();
    data_dir = temp->File("data");
  }
  return consentd::Run(minutes, *data_dir);
}
