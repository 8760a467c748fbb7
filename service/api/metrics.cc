#include "service/api/metrics.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "consent/v1/consent.pb.h"
#include "consent/v1/requests.pb.h"
#include "consent/v1/types.pb.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "service/api/consent_server.h"

namespace consentd::api {
namespace {

// Bucket bounds (seconds) from 50 µs (a Check from memory) to 10 s (a
// durable write waiting for a slow disk, a backup).
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* bounds = new prometheus::Histogram::BucketBoundaries{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return *bounds;
}

// A family of one unlabelled sample of `type` (Counter or Gauge).
prometheus::MetricFamily Single(const std::string& name,
                                const std::string& help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  (type == prometheus::MetricType::Counter ? metric.counter.value
                                           : metric.gauge.value) = value;
  family.metric.push_back(std::move(metric));
  return family;
}

prometheus::MetricFamily Counter(const std::string& name,
                                 const std::string& help, double value) {
  return Single(name, help, prometheus::MetricType::Counter, value);
}

prometheus::MetricFamily Gauge(const std::string& name, const std::string& help,
                               double value) {
  return Single(name, help, prometheus::MetricType::Gauge, value);
}

// A gauge family whose samples AddSample adds, one per label value.
prometheus::MetricFamily LabelledGauge(const std::string& name,
                                       const std::string& help) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  return family;
}

void AddSample(prometheus::MetricFamily& family, const std::string& label,
               const std::string& value, double sample) {
  prometheus::ClientMetric metric;
  metric.label.push_back({label, value});
  metric.gauge.value = sample;
  family.metric.push_back(std::move(metric));
}

}  // namespace

// What the core holds, read when Prometheus scrapes.
class ConsentdMetrics::CoreGauges final : public prometheus::Collectable {
 public:
  explicit CoreGauges(core::ConsentCore* consent_core) : core_(consent_core) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    families.push_back(
        Gauge("consentd_indexed_identifiers",
              "Identifiers with at least one fact in the in-memory index",
              static_cast<double>(core_->index().identifier_count())));
    families.push_back(Gauge("consentd_facts", "Facts in the in-memory index",
                             static_cast<double>(core_->index().fact_count())));
    families.push_back(Gauge(
        "consentd_list_entries", "Entries held across every suppression list",
        static_cast<double>(core_->lists().entry_count())));
    // A count the store cannot give is left out, not shown as a number an
    // alert would misread.
    prometheus::MetricFamily open = LabelledGauge(
        "consentd_open_requests", "Data-subject requests open, by state");
    for (consent::v1::RequestState state :
         {consent::v1::REQUEST_STATE_RECEIVED,
          consent::v1::REQUEST_STATE_IDENTITY_VERIFIED}) {
      absl::StatusOr<int64_t> count = core_->request_desk().Count(state);
      if (!count.ok()) continue;
      AddSample(open, "state", consent::v1::RequestState_Name(state),
                static_cast<double>(*count));
    }
    families.push_back(std::move(open));
    if (absl::StatusOr<int64_t> overdue = core_->request_desk().CountOverdue();
        overdue.ok()) {
      families.push_back(Gauge("consentd_overdue_requests",
                               "Open data-subject requests past their due date",
                               static_cast<double>(*overdue)));
    }
    if (const int64_t bytes = core_->StoreBytes(); bytes >= 0) {
      families.push_back(Gauge("consentd_store_bytes",
                               "Size of the store's files (database and WAL)",
                               static_cast<double>(bytes)));
    }
    const core::CommitQueue::Totals commits = core_->ledger().commit_totals();
    families.push_back(Counter("consentd_commits_total",
                               "Group commits of writes (one fsync each)",
                               static_cast<double>(commits.commits)));
    families.push_back(Counter("consentd_committed_writes_total",
                               "Writes carried by the group commits",
                               static_cast<double>(commits.writes)));
    families.push_back(Counter("consentd_commit_seconds_total",
                               "Time spent in group commits",
                               absl::ToDoubleSeconds(commits.committing)));
    families.push_back(
        Counter("consentd_scrub_rows_total", "Rows decided by scrubs",
                static_cast<double>(core_->scrubber().rows_decided())));
    const std::optional<absl::Time> backup = core_->last_backup();
    families.push_back(
        Gauge("consentd_last_backup_age_seconds",
              "Seconds since the last backup this process wrote; -1 for none",
              backup ? absl::ToDoubleSeconds(absl::Now() - *backup) : -1));
    families.push_back(
        Gauge("consentd_audit_anchor_failures",
              "Writes of the audit anchor file that failed since start",
              static_cast<double>(core_->audit_notary().anchor_failures())));
    return families;
  }

 private:
  core::ConsentCore* const core_;
};

// The server's handler pools, read when Prometheus scrapes.
class ConsentdMetrics::ServerGauges final : public prometheus::Collectable {
 public:
  void Observe(const ConsentServer* server) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    server_ = server;
  }

  std::vector<prometheus::MetricFamily> Collect() const override
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (server_ == nullptr) return {};
    const rpc::ServerLoad load = server_->load();
    prometheus::MetricFamily queued =
        LabelledGauge("consentd_handler_queue_depth",
                      "Calls waiting for a handler thread, by pool");
    prometheus::MetricFamily busy =
        LabelledGauge("consentd_handler_busy_threads",
                      "Handler threads running a call, by pool");
    for (const auto& [pool, pool_load] :
         {std::pair{"unary", load.unary}, std::pair{"writes", load.deferred}}) {
      AddSample(queued, "pool", pool, pool_load.queued);
      AddSample(busy, "pool", pool, pool_load.running);
    }
    return {std::move(queued), std::move(busy),
            Gauge("consentd_open_streams", "Streaming calls open",
                  load.open_streams)};
  }

 private:
  mutable absl::Mutex mu_;
  const ConsentServer* server_ ABSL_GUARDED_BY(mu_) = nullptr;
};

absl::StatusOr<std::unique_ptr<ConsentdMetrics>> ConsentdMetrics::Start(
    const std::string& listen, core::ConsentCore* consent_core) {
  if (absl::Status loopback = ValidateListenAddress(listen, /*tls=*/false);
      !loopback.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen: ", loopback.message()));
  }
  std::unique_ptr<ConsentdMetrics> metrics(new ConsentdMetrics());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  metrics->durations_ = &prometheus::BuildHistogram()
                             .Name("consentd_rpc_duration_seconds")
                             .Help(
                                 "Time from a unary handler's start to its "
                                 "answer, by method and status code")
                             .Register(*metrics->registry_);
  metrics->decisions_ =
      &prometheus::BuildCounter()
           .Name("consentd_decisions_total")
           .Help("Decisions of Check and CheckBatch, by verdict and reason")
           .Register(*metrics->registry_);
  metrics->gauges_ = std::make_shared<CoreGauges>(consent_core);
  metrics->server_gauges_ = std::make_shared<ServerGauges>();
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--metrics-listen ", listen, ": cannot listen: ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->gauges_);
  metrics->exposer_->RegisterCollectable(metrics->server_gauges_);
  const std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  const std::string host = listen.substr(0, listen.rfind(':'));
  metrics->address_ =
      absl::StrCat(host, ":", ports.empty() ? 0 : ports.front());
  return metrics;
}

ConsentdMetrics::~ConsentdMetrics() = default;

void ConsentdMetrics::ObserveServer(const ConsentServer* server) {
  server_gauges_->Observe(server);
}

prometheus::Histogram& ConsentdMetrics::DurationOf(absl::string_view path,
                                                   int code) {
  const std::pair<std::string, int> key(std::string(path), code);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = durations_by_call_.find(key);
    if (found != durations_by_call_.end()) return *found->second;
  }
  // Family::Add builds a histogram before it looks for one: once per series.
  prometheus::Histogram& histogram = durations_->Add(
      {{"method", key.first}, {"code", absl::StrCat(code)}}, DurationBuckets());
  absl::MutexLock lock(&mu_);
  durations_by_call_.emplace(key, &histogram);
  return histogram;
}

prometheus::Counter& ConsentdMetrics::DecisionsOf(
    consent::v1::Verdict verdict, consent::v1::DecisionReason reason) {
  const std::pair<int, int> key(verdict, reason);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = decisions_by_kind_.find(key);
    if (found != decisions_by_kind_.end()) return *found->second;
  }
  prometheus::Counter& counter =
      decisions_->Add({{"verdict", consent::v1::Verdict_Name(verdict)},
                       {"reason", consent::v1::DecisionReason_Name(reason)}});
  absl::MutexLock lock(&mu_);
  decisions_by_kind_.emplace(key, &counter);
  return counter;
}

void ConsentdMetrics::Answered(absl::string_view path,
                               const grpc::Status& status,
                               absl::Duration handler_time,
                               const google::protobuf::MessageLite* response) {
  DurationOf(path, static_cast<int>(status.error_code()))
      .Observe(absl::ToDoubleSeconds(handler_time));
  if (response == nullptr) return;
  // The path names the response's type (MethodTable checks it against the
  // descriptors), so the casts are safe.
  if (path == "/consent.v1.ConsentService/Check") {
    const consent::v1::Decision& decision =
        static_cast<const consent::v1::CheckResponse*>(response)->decision();
    DecisionsOf(decision.verdict(), decision.reason()).Increment();
  } else if (path == "/consent.v1.ConsentService/CheckBatch") {
    // Tallied first: one increment per kind, not per contact.
    absl::flat_hash_map<std::pair<int, int>, int64_t> tally;
    for (const consent::v1::BatchDecision& decision :
         static_cast<const consent::v1::CheckBatchResponse*>(response)
             ->decisions()) {
      ++tally[{decision.decision().verdict(), decision.decision().reason()}];
    }
    for (const auto& [kind, count] : tally) {
      DecisionsOf(static_cast<consent::v1::Verdict>(kind.first),
                  static_cast<consent::v1::DecisionReason>(kind.second))
          .Increment(static_cast<double>(count));
    }
  }
}

}  // namespace consentd::api
