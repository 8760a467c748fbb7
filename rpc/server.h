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
// callback server's health is gRPC's own and bypasses it (and with it the
// stream limits and deadlines: gRPC serves it without holding a thread a
// stream), so that server serves reflection, which would bypass it too,
// only to a table without an Admission. Where the libraries differ: on Shutdown
// the queue server ends health watches after their NOT_SERVING, while gRPC's
// health service leaves them open until the grace is over; and
// grpc++_reflection lists only the services gRPC registered itself, which a
// generic service is not.
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

// How many calls of one pool of handler threads (MethodTable::Pool) a
// server takes on at once: `max_threads` + `max_queued`, up to
// `max_threads` of them running and the rest waiting for a thread. A call
// holds its place until its handler returns (a deferred call's handler
// returns once it has queued its write, before it is durable). Each
// waiting call holds its request (up to max_message_bytes). The last
// `reserved_for_urgent` places of the queue only urgent calls
// (MethodTable::Priority::kUrgent) may take.
// max_threads >= 1; 0 <= reserved_for_urgent <= max_queued.
struct PoolLimits {
  int max_threads;
  int max_queued;
  int reserved_for_urgent = 0;
};

// What one pool of handler threads holds at a moment: calls whose handler
// runs, and calls waiting for a thread.
struct PoolLoad {
  int running = 0;
  int queued = 0;
};

// A server's work at a moment, for monitoring (a queue that stays long
// means the pool is too small or the store too slow).
struct ServerLoad {
  PoolLoad unary;
  PoolLoad deferred;
  int open_streams = 0;
};

// The limits and deadlines of streaming calls, each of which holds a
// stream thread for its whole life.
struct StreamLimits {
  // Streams open at once: in the whole server, for one principal
  // (Caller::principal; unidentified callers of open methods such as
  // health Watch share the empty principal), and on one connection (the
  // client's peer address).
  int max_streams = 512;
  int max_streams_per_principal = 128;
  int max_streams_per_connection = 100;
  // A stream whose handler has waited this long for the client (for a
  // message, or to take the messages already sent) is cancelled.
  // absl::InfiniteDuration() turns it off.
  absl::Duration idle_deadline = absl::Seconds(60);
  // A stream still open this long after it started is cancelled, whatever
  // it is doing: long enough for a scrub or list import of tens of
  // millions of rows. absl::InfiniteDuration() turns it off.
  absl::Duration total_deadline = absl::Hours(2);
};

struct ServerOptions {
  // "host:port"; port 0 asks for any free port.
  std::string listen_address;
  // Without it, plain text.
  std::optional<TlsOptions> tls;
  // The largest request message accepted.
  int max_message_bytes = 4 * 1024 * 1024;
  // Unary handlers on handler threads (batches, storage reads, requests).
  PoolLimits unary = {16, 64};
  // Deferred handlers (writes answered once durable): threads and queue
  // room of their own, which no flood of the others can take; a quarter of
  // the queue is kept for urgent writes.
  PoolLimits deferred = {16, 256, 64};
  // Streams.
  StreamLimits streams;
};

class Server {
 public:
  // Stops the server at once (Shutdown with no grace) if still running.
  virtual ~Server() = default;

  // "host:port" actually bound (the port resolved when 0 was asked for).
  virtual const std::string& address() const = 0;

  // The work held now; all zero once Shutdown has returned. Never waits
  // for a handler; safe from any thread but not concurrently with
  // Shutdown.
  virtual ServerLoad load() const = 0;

  // Stops accepting calls and turns health to NOT_SERVING (each health
  // watch hears it), lets in-flight calls finish for up to `grace`, then
  // cancels the rest; returns when every call has ended.
  virtual void Shutdown(absl::Duration grace) = 0;
};

// Serves `methods` (which must outlive the server; the server adds the
// health and reflection services to it) on `options.listen_address`.
// Another server already on the port is an error, not a shared port.
// Errors: UNAVAILABLE when the address cannot be bound.
//
// What a client may be answered besides its handler's status:
//   * RESOURCE_EXHAUSTED "server busy: ..." at once when the call's pool
//     (PoolLimits) is full, and "too many streams: ..." when a stream would
//     pass a StreamLimits bound (naming the principal or connection). The
//     call's request is freed; retrying later with backoff may succeed.
//   * DEADLINE_EXCEEDED "stream idle: ..." or "stream open longer than ..."
//     when a stream passes its idle or total deadline (method_table.h,
//     CallStream).
//   * UNIMPLEMENTED for a method not in the table; INTERNAL for a request
//     that does not parse; the Admission's status for a refused call.
absl::StatusOr<std::unique_ptr<Server>> StartServer(
    const ServerOptions& options, MethodTable* methods);

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_SERVER_H_
