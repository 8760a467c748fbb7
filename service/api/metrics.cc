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

prometheus::MetricFamily Gauge(const std::string& name, const std::string& help,
                               double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric metric;
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
  return family;
}

// The open requests in `state`, counted page by page (at most the limit
// of open requests in all).
int64_t CountRequests(const core::RequestDesk& desk,
                      consent::v1::RequestState state, bool overdue) {
  consent::v1::ListRequestsRequest request;
  if (overdue) {
    request.set_overdue_only(true);
  } else {
    request.add_states(state);
  }
  request.set_page_size(core::kMaxRequestPageSize);
  int64_t count = 0;
  while (true) {
    absl::StatusOr<consent::v1::ListRequestsResponse> page = desk.List(request);
    if (!page.ok()) return -1;
    count += page->requests_size();
    if (page->next_page_token().empty()) return count;
    request.set_page_token(page->next_page_token());
  }
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
    prometheus::MetricFamily open;
    open.name = "consentd_open_requests";
    open.help = "Data-subject requests open, by state";
    open.type = prometheus::MetricType::Gauge;
    for (consent::v1::RequestState state :
         {consent::v1::REQUEST_STATE_RECEIVED,
          consent::v1::REQUEST_STATE_IDENTITY_VERIFIED}) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"state", consent::v1::RequestState_Name(state)});
      metric.gauge.value = static_cast<double>(
          CountRequests(core_->request_desk(), state, /*overdue=*/false));
      open.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(open));
    families.push_back(
        Gauge("consentd_overdue_requests",
              "Open data-subject requests past their due date",
              static_cast<double>(CountRequests(
                  core_->request_desk(), consent::v1::REQUEST_STATE_UNSPECIFIED,
                  /*overdue=*/true))));
    families.push_back(Gauge("consentd_store_bytes",
                             "Size of the store's files (database and WAL)",
                             static_cast<double>(core_->StoreBytes())));
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
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--metrics-listen ", listen, ": cannot listen: ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->gauges_);
  const std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  const std::string host = listen.substr(0, listen.rfind(':'));
  metrics->address_ =
      absl::StrCat(host, ":", ports.empty() ? 0 : ports.front());
  return metrics;
}

ConsentdMetrics::~ConsentdMetrics() = default;

void ConsentdMetrics::Answered(absl::string_view path,
                               const grpc::Status& status,
                               absl::Duration handler_time,
                               const google::protobuf::MessageLite* response) {
  durations_
      ->Add({{"method", std::string(path)},
             {"code", absl::StrCat(static_cast<int>(status.error_code()))}},
            DurationBuckets())
      .Observe(absl::ToDoubleSeconds(handler_time));
  if (response == nullptr) return;
  // The path names the response's type (MethodTable checks it against the
  // descriptors), so the casts are safe.
  if (path == "/consent.v1.ConsentService/Check") {
    CountDecision(
        static_cast<const consent::v1::CheckResponse*>(response)->decision());
  } else if (path == "/consent.v1.ConsentService/CheckBatch") {
    for (const consent::v1::BatchDecision& decision :
         static_cast<const consent::v1::CheckBatchResponse*>(response)
             ->decisions()) {
      CountDecision(decision.decision());
    }
  }
}

void ConsentdMetrics::CountDecision(const consent::v1::Decision& decision) {
  decisions_
      ->Add({{"verdict", consent::v1::Verdict_Name(decision.verdict())},
             {"reason", consent::v1::DecisionReason_Name(decision.reason())}})
      .Increment();
}

}  // namespace consentd::api
