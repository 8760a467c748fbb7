// consentd_load: load against a running consentd over loopback, for
// bench/run. Prints one line of key=value results.
//
//   consentd_load --server 127.0.0.1:50051 --mode check --concurrency 16
//                 --seconds 10 [--rate 5000] [--national]
//   consentd_load --mode batch --batch 1000 [--include-identifiers] ...
//                                                  (CheckBatch, identifiers/s)
//   consentd_load --mode write ...                 (durable RecordObjection)
//
// Numbers are Slovenian mobiles +38640xxxxxx with xxxxxx drawn uniformly from
// [100000, 100000 + --numbers); bench/run seeds the first half of that range
// onto a suppression list, so about half the checks hit.
//
// With --rate the load is open-loop: each request has a scheduled send time
// and its latency counts from then, so a stalled server shows as latency
// rather than as fewer requests.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/consent_client.h"

namespace consentd {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string mode = "check";
  int concurrency = 16;
  double seconds = 10;
  double rate = 0;  // requests/s in all; 0 = as fast as answered
  int batch = 1000;
  int numbers = 200000;
  bool national = false;
  bool include_identifiers = false;
};

struct WorkerResult {
  std::vector<double> latencies_us;
  int64_t identifiers = 0;
  int64_t errors = 0;
};

std::string Number(std::mt19937_64& random, const Options& options) {
  int suffix = 100000 + static_cast<int>(random() % options.numbers);
  if (options.national) {
    std::string digits = absl::StrCat(suffix);
    return absl::StrCat("040 ", digits.substr(0, 3), " ", digits.substr(3));
  }
  return absl::StrCat("+38640", suffix);
}

// A worker's requests, drawn before the clock starts (as redis-benchmark
// prepares its commands): the client shares the two cores with consentd, so
// its CPU should go to calls, not to formatting numbers. Checks cycle
// through a deck of kDeckIdentifiers numbers per worker; writes are made
// fresh, each to a new address.
class RequestDeck {
 public:
  static constexpr int kDeckIdentifiers = 8192;

  RequestDeck(const Options& options, int worker)
      : options_(options), random_(worker * 7919 + 1) {
    if (options.mode == "check") {
      for (int i = 0; i < kDeckIdentifiers; ++i) {
        consent::v1::CheckRequest& request = checks_.emplace_back();
        request.add_identifiers()->set_phone(Number(random_, options));
        request.set_default_region("SI");
        request.set_purpose("customer-care");
        request.set_channel("email");
      }
    } else if (options.mode == "batch") {
      const int batches = std::max(1, kDeckIdentifiers / options.batch);
      for (int b = 0; b < batches; ++b) {
        consent::v1::CheckBatchRequest& request = batches_.emplace_back();
        request.set_default_region("SI");
        request.set_purpose("customer-care");
        request.set_channel("email");
        request.set_include_identifiers(options.include_identifiers);
        for (int i = 0; i < options.batch; ++i) {
          request.add_contacts()->add_identifiers()->set_phone(
              Number(random_, options));
        }
      }
    }
  }

  // Sends the next request; returns identifiers decided or written, or -1
  // on error.
  int64_t Send(const client::ConsentClient& client, int64_t sequence) {
    ++next_;
    if (options_.mode == "check") {
      return client.Check(checks_[next_ % checks_.size()]).ok() ? 1 : -1;
    }
    if (options_.mode == "batch") {
      return client.CheckBatch(batches_[next_ % batches_.size()]).ok()
                 ? options_.batch
                 : -1;
    }
    consent::v1::RecordObjectionRequest request;
    request.add_identifiers()->set_email(absl::StrCat(
        "load-", sequence, "-", random_() % 1000000, "@example.si"));
    request.mutable_evidence()->set_collection_method(
        consent::v1::COLLECTION_METHOD_API);
    return client.RecordObjection(request).ok() ? 1 : -1;
  }

 private:
  const Options& options_;
  std::mt19937_64 random_;
  std::vector<consent::v1::CheckRequest> checks_;
  std::vector<consent::v1::CheckBatchRequest> batches_;
  size_t next_ = 0;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index =
      static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace
}  // namespace consentd

int main(int argc, char** argv) {
  using namespace consentd;
  CLI::App app{"Load against a running consentd"};
  Options options;
  app.add_option("--server", options.server);
  app.add_option("--mode", options.mode)
      ->check(CLI::IsMember({"check", "batch", "write"}));
  app.add_option("--concurrency", options.concurrency)
      ->check(CLI::Range(1, 1024));
  app.add_option("--seconds", options.seconds)->check(CLI::Range(0.1, 3600.0));
  app.add_option("--rate", options.rate, "Requests/s in all (open loop)");
  app.add_option("--batch", options.batch)->check(CLI::Range(1, 10000));
  app.add_option("--numbers", options.numbers)->check(CLI::Range(1, 899999));
  app.add_flag("--national", options.national, "Numbers in national format");
  app.add_flag("--include-identifiers", options.include_identifiers,
               "CheckBatch answers per identifier too");
  CLI11_PARSE(app, argc, argv);

  client::ConsentClient client(options.server, absl::Seconds(30));
  if (!client.GetStatus().ok()) {
    std::cerr << "consentd_load: no consentd at " << options.server << "\n";
    return 1;
  }
  std::vector<WorkerResult> results(options.concurrency);
  std::vector<RequestDeck> decks;
  decks.reserve(options.concurrency);
  for (int w = 0; w < options.concurrency; ++w) decks.emplace_back(options, w);
  std::atomic<int64_t> sequence{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.seconds));
  const auto interval = options.rate > 0
                            ? std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(
                                      options.concurrency / options.rate))
                            : Clock::duration::zero();
  std::vector<std::thread> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&, w] {
      RequestDeck& deck = decks[w];
      WorkerResult& result = results[w];
      // Spread the workers' schedules over one interval.
      auto scheduled = start + interval * w / options.concurrency;
      while (true) {
        auto sent = Clock::now();
        if (options.rate > 0) {
          if (scheduled >= end) break;
          std::this_thread::sleep_until(scheduled);
          sent = scheduled;
          scheduled += interval;
        } else if (sent >= end) {
          break;
        }
        int64_t done = deck.Send(client, sequence++);
        auto finished = Clock::now();
        if (done < 0) {
          ++result.errors;
          continue;
        }
        result.identifiers += done;
        result.latencies_us.push_back(
            std::chrono::duration<double, std::micro>(finished - sent).count());
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> latencies;
  int64_t identifiers = 0, errors = 0;
  for (const WorkerResult& result : results) {
    latencies.insert(latencies.end(), result.latencies_us.begin(),
                     result.latencies_us.end());
    identifiers += result.identifiers;
    errors += result.errors;
  }
  std::sort(latencies.begin(), latencies.end());
  std::cout << absl::StrFormat(
      "mode=%s concurrency=%d rate=%.0f requests=%d errors=%d seconds=%.2f "
      "requests_per_s=%.0f identifiers_per_s=%.0f p50_us=%.0f p99_us=%.0f "
      "p999_us=%.0f\n",
      options.mode, options.concurrency, options.rate, latencies.size(), errors,
      elapsed, latencies.size() / elapsed, identifiers / elapsed,
      Percentile(latencies, 0.50), Percentile(latencies, 0.99),
      Percentile(latencies, 0.999));
  return errors > 0 ? 2 : 0;
}
