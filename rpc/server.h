// Server: a running gRPC server that serves every call from a MethodTable,
// with gRPC's health checking and server reflection beside it.
//
// Two implementations exist, and a program picks one by the library it
// links (each is an object library defining StartServer, so linking both
// fails with a duplicate symbol):
//   * consentd::rpc_queue_server (queue_server.cc): this folder's own
//     server on gRPC's async generic API (CompletionQueues), its own health
//     and reflection services.
//   * consentd::rpc_callback_server (callback_server.cc): the same table on
//     gRPC's callback generic API, with gRPC's own health service and
//     grpc++_reflection: the library the first is measured against.
// They answer calls alike; tests/rpc runs one conformance suite against
// each. The table's Admission sees every call the queue server takes; the
// callback server's health and reflection are gRPC's own and bypass it. Where
// the libraries differ: on Shutdown the queue server ends health watches after
// their NOT_SERVING, while gRPC's health service leaves them open until the
// grace is over; and grpc++_reflection lists only the services gRPC registered
// itself, which a generic service is not.
//
// Thread-safety: Shutdown may be called from any thread, once.
#ifndef CONSENTD_RPC_SERVER_H_
#define CONSENTD_RPC_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rpc/method_table.h"

namespace consentd::rpc {

// TLS for a listener, PEM text (not file names).
struct TlsOptions {
  std::string certificate_chain;
  std::string private_key;
  // When set, clients may present a certificate, and one that does not
  // verify against these CAs fails the handshake; a client without one
  // still connects (a bearer token may identify it).
  std::string client_ca;
};

struct ServerOptions {
  // "host:port"; port 0 asks for any free port.
  std::string listen_address;
  // Without it, plain text.
  std::optional<TlsOptions> tls;
  // The largest request message accepted.
  int max_message_bytes = 4 * 1024 * 1024;
};

class Server {
 public:
  // Stops the server at once (Shutdown with no grace) if still running.
  virtual ~Server() = default;

  // "host:port" actually bound (the port resolved when 0 was asked for).
  virtual const std::string& address() const = 0;

  // Stops accepting calls and turns health to NOT_SERVING (each health
  // watch hears it), lets in-flight calls finish for up to `grace`, then
  // cancels the rest; returns when every call has ended.
  virtual void Shutdown(absl::Duration grace) = 0;
};

// Serves `methods` (which must outlive the server; the server adds the
// health and reflection services to it) on `options.listen_address`.
// Another server already on the port is an error, not a shared port.
// Errors: UNAVAILABLE when the address cannot be bound.
absl::StatusOr<std::unique_ptr<Server>> StartServer(
    const ServerOptions& options, MethodTable* methods);

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_SERVER_H_
