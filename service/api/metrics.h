// ConsentdMetrics: consentd's Prometheus metrics (prometheus-cpp), served
// over HTTP at /metrics on an address of their own (--metrics-listen,
// loopback only: the exposition has no authentication).
//
//   consentd_rpc_duration_seconds{method,code}  histogram: time from a unary
//       handler's start to its answer, per method and gRPC status code
//   consentd_decisions_total{verdict,reason}    counter: every decision of
//       Check and CheckBatch (one per contact)
//   consentd_indexed_identifiers, consentd_facts, consentd_list_entries,
//   consentd_open_requests{state}, consentd_overdue_requests,
//   consentd_store_bytes, consentd_last_backup_age_seconds (-1: none since
//   start), consentd_audit_anchor_failures     gauges, read at each scrape
//
// No label ever holds an identifier, a principal or a request id: methods,
// status codes, verdicts, reasons and request states only.
//
// Thread-safety: Answered and the scrape run concurrently; both are safe.
#ifndef CONSENTD_SERVICE_API_METRICS_H_
#define CONSENTD_SERVICE_API_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "rpc/method_table.h"
#include "service/core/consent_core.h"

namespace consentd::api {

class ConsentdMetrics final : public rpc::MethodTable::CallObserver {
 public:
  // Serves the metrics on `listen` ("host:port", loopback; port 0 picks a
  // free one). `consent_core` must outlive the metrics. Errors:
  // INVALID_ARGUMENT for an address that is not loopback;
  // FAILED_PRECONDITION when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<ConsentdMetrics>> Start(
      const std::string& listen, core::ConsentCore* consent_core);
  ~ConsentdMetrics();

  // The address bound, "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

  void Answered(absl::string_view path, const grpc::Status& status,
                absl::Duration handler_time,
                const google::protobuf::MessageLite* response) override;

 private:
  class CoreGauges;
  ConsentdMetrics() = default;

  void CountDecision(const consent::v1::Decision& decision);

  std::string address_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<CoreGauges> gauges_;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  prometheus::Family<prometheus::Counter>* decisions_ = nullptr;
  // Last: stops serving scrapes before the rest goes.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_METRICS_H_
