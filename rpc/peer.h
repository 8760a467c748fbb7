// Peer: what the transport knows of a call's client, and Caller: who the
// server's Admission decided the call is from.
//
// Thread-safety: plain values.
#ifndef CONSENTD_RPC_PEER_H_
#define CONSENTD_RPC_PEER_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace consentd::rpc {

struct Peer {
  // "ipv4:127.0.0.1:54321".
  std::string address;
  // The connection is TLS.
  bool tls = false;
  // The client presented a certificate that verified against the server's
  // client CA; the two fields below are its names.
  bool verified_certificate = false;
  std::vector<std::string> certificate_uris;
  std::string certificate_common_name;
  // From the call's "authorization: Bearer TOKEN" header (the scheme in any
  // case); empty when there is no such header. A malformed or repeated
  // header is kept whole, so that it names no one rather than being
  // ignored.
  std::string bearer_token;
};

// The Peer of the call `context` serves.
Peer PeerOf(const grpc::ServerContextBase& context);

// Who an admitted call is from. `principal` stays valid while the server
// runs; `roles` is a bit set whose meaning belongs to the program.
struct Caller {
  absl::string_view principal;
  uint32_t roles = 0;
};

// Decides, before a call's handler runs, whether the call to `method` (the
// full path, "/package.Service/Method") goes on: its Caller, or the status
// to answer it with (UNAUTHENTICATED, PERMISSION_DENIED, ...). Called from
// any thread; must not block.
using Admission = std::function<absl::StatusOr<Caller>(absl::string_view method,
                                                       const Peer& peer)>;

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_PEER_H_
