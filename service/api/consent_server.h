// ConsentServer: the gRPC server around one ConsentCore, with every
// consent.v1 service (methods not built yet answer UNIMPLEMENTED), gRPC
// health checking and server reflection, on the rpc::Server the program
// links (rpc/server.h).
//
// Every call is first admitted (admission.h): its caller identified from
// a client certificate, a bearer token or, on plain-text loopback, as the
// access config's local caller, and checked against the role table.
//
// Thread-safety: Shutdown may be called from any thread, once.
#ifndef CONSENTD_SERVICE_API_CONSENT_SERVER_H_
#define CONSENTD_SERVICE_API_CONSENT_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "access/caller_directory.h"
#include "consent/v1/access.pb.h"
#include "rpc/method_table.h"
#include "rpc/server.h"
#include "service/core/consent_core.h"

namespace consentd::api {

struct ServingOptions {
  // "host:port"; port 0 asks for any free port.
  std::string listen_address = "127.0.0.1:50051";
  // Required for any address but loopback.
  std::optional<rpc::TlsOptions> tls;
  // Who may call; access::DevelopmentAccess() (every local caller is
  // "local" with every role) unless set.
  consent::v1::AccessConfig access = access::DevelopmentAccess();
  // How much work of each kind the server takes on at once (CheckBatch and
  // the other calls on handler threads; writes; streams), and the streams'
  // deadlines: rpc/server.h's defaults unless set.
  rpc::PoolLimits unary_pool = rpc::ServerOptions().unary;
  rpc::PoolLimits write_pool = rpc::ServerOptions().deferred;
  rpc::StreamLimits streams;
  // Hears of every unary call answered (ConsentdMetrics); must outlive the
  // server. None when null.
  rpc::MethodTable::CallObserver* call_observer = nullptr;
};

// OK for a "host:port" address consentd may listen on with `tls` as given:
// any host with TLS, only "127.x.y.z", "localhost" and "[::1]" without.
// INVALID_ARGUMENT otherwise (port 0 asks for any free port).
absl::Status ValidateListenAddress(absl::string_view address, bool tls);

class ConsentServer {
 public:
  // Starts serving `consent_core` (which must outlive the server) as
  // `options` say. Errors: INVALID_ARGUMENT for an address without the TLS
  // it needs, or an access config that does not validate; UNAVAILABLE when
  // the address cannot be bound or the TLS keys do not load.
  static absl::StatusOr<std::unique_ptr<ConsentServer>> Start(
      core::ConsentCore* consent_core, const ServingOptions& options);

  // "host:port" actually bound (the port resolved when 0 was asked for).
  const std::string& address() const { return server_->address(); }

  // The calls running and waiting on the handler pools, and the streams
  // open (rpc::Server::load: not concurrently with Shutdown).
  rpc::ServerLoad load() const { return server_->load(); }

  // Stops accepting calls and ends health watches, lets in-flight calls
  // finish for up to `grace`, then cancels the rest; returns when every
  // call has ended.
  void Shutdown(absl::Duration grace) { server_->Shutdown(grace); }

 private:
  ConsentServer() = default;

  // Declared first, so destroyed last: the server's calls use them.
  std::unique_ptr<access::CallerDirectory> callers_;
  rpc::MethodTable methods_;
  std::unique_ptr<rpc::Server> server_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_CONSENT_SERVER_H_
