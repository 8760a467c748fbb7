// ConsentServer: the gRPC server around one ConsentCore, with every
// consent.v1 service (methods not built yet answer UNIMPLEMENTED), gRPC
// health checking and server reflection, on the rpc::Server the program
// links (rpc/server.h).
//
// Until TLS exists it listens on loopback only and refuses any other
// address.
//
// Thread-safety: Shutdown may be called from any thread, once.
#ifndef CONSENTD_SERVICE_API_CONSENT_SERVER_H_
#define CONSENTD_SERVICE_API_CONSENT_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rpc/method_table.h"
#include "rpc/server.h"
#include "service/core/consent_core.h"

namespace consentd::api {

// OK for "127.x.y.z:port", "localhost:port" and "[::1]:port";
// INVALID_ARGUMENT otherwise (port 0 asks for any free port).
absl::Status ValidateLoopbackAddress(absl::string_view address);

class ConsentServer {
 public:
  // Starts serving `consent_core` (which must outlive the server) on
  // `listen_address`. Errors: INVALID_ARGUMENT for a non-loopback address;
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ConsentServer>> Start(
      core::ConsentCore* consent_core, const std::string& listen_address);

  // "host:port" actually bound (the port resolved when 0 was asked for).
  const std::string& address() const { return server_->address(); }

  // Stops accepting calls and ends health watches, lets in-flight calls
  // finish for up to `grace`, then cancels the rest; returns when every
  // call has ended.
  void Shutdown(absl::Duration grace) { server_->Shutdown(grace); }

 private:
  ConsentServer() = default;

  // Declared first, so destroyed last: the server's calls use it.
  rpc::MethodTable methods_;
  std::unique_ptr<rpc::Server> server_;
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_CONSENT_SERVER_H_
