// ConsentdMetrics: consentd's Prometheus metrics (prometheus-cpp), served
// over HTTP at /metrics on an address of their own (--metrics-listen,
// loopback only: the exposition has no authentication).
//
//   consentd_rpc_duration_seconds{method,code}  histogram: time from a unary
//       handler's start to its answer, per method and gRPC status code
//   consentd_decisions_total{verdict,reason}    counter: every decision of
//       Check and CheckBatch (one per contact)
//   consentd_commits_total, consentd_committed_writes_total,
//   consentd_commit_seconds_total              counters: group commits,
//       the writes they carried and the time they took (mean batch size
//       and commit latency are their ratios)
//   consentd_scrub_rows_total                  counter: rows scrubs decided
//   consentd_indexed_identifiers, consentd_facts, consentd_list_entries,
//   consentd_open_requests{state}, consentd_overdue_requests,
//   consentd_store_bytes, consentd_last_backup_age_seconds (-1: none since
//   start), consentd_audit_anchor_failures     gauges, read at each scrape
//   (read without waiting for a backup or rekey; a count the store
//   cannot give is left out of that scrape)
//   consentd_handler_queue_depth{pool}, consentd_handler_busy_threads{pool},
//   consentd_open_streams                      gauges of the server's
//       handler pools (pool "unary": batches, reads and requests; "writes":
//       durable writes), once ObserveServer has named the server
//
// No label ever holds an identifier, a principal or a request id: methods,
// status codes, verdicts, reasons and request states only.
//
// Thread-safety: Answered and the scrape run concurrently; both are safe.
#ifndef CONSENTD_SERVICE_API_METRICS_H_
#define CONSENTD_SERVICE_API_METRICS_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "consent/v1/types.pb.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "rpc/method_table.h"
#include "service/api/consent_server.h"
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

  // The server whose handler pools the scrapes report; null stops (call it
  // with null before the server shuts down). Waits for a scrape under way.
  void ObserveServer(const ConsentServer* server);

  void Answered(absl::string_view path, const grpc::Status& status,
                absl::Duration handler_time,
                const google::protobuf::MessageLite* response) override;

 private:
  class CoreGauges;
  class ServerGauges;
  ConsentdMetrics() = default;

  // The series of a call's method and code, and of a kind of decision,
  // found once and kept (Family::Add is dear).
  prometheus::Histogram& DurationOf(absl::string_view path, int code)
      ABSL_LOCKS_EXCLUDED(mu_);
  prometheus::Counter& DecisionsOf(consent::v1::Verdict verdict,
                                   consent::v1::DecisionReason reason)
      ABSL_LOCKS_EXCLUDED(mu_);

  std::string address_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<CoreGauges> gauges_;
  std::shared_ptr<ServerGauges> server_gauges_;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  prometheus::Family<prometheus::Counter>* decisions_ = nullptr;
  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<std::string, int>, prometheus::Histogram*>
      durations_by_call_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::pair<int, int>, prometheus::Counter*>
      decisions_by_kind_ ABSL_GUARDED_BY(mu_);
  // Last: stops serving scrapes before the rest goes.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_METRICS_H_
