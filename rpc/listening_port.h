// ListeningPort: how every rpc::Server listens, written once for both
// implementations: the address, TLS and message bound of ServerOptions,
// and SO_REUSEPORT off.
//
// Thread-safety: used while one server is built; no shared state.
#ifndef CONSENTD_RPC_LISTENING_PORT_H_
#define CONSENTD_RPC_LISTENING_PORT_H_

#include <grpcpp/server_builder.h>

#include <string>

#include "rpc/server.h"

namespace consentd::rpc {

class ListeningPort {
 public:
  // Adds the listening port to `builder`, which must outlive this object
  // until the server is built.
  ListeningPort(const ServerOptions& options, grpc::ServerBuilder* builder);

  // Once the server is built: "host:port" as bound (the port resolved when
  // 0 was asked for), or empty when nothing was bound.
  std::string BoundAddress() const;

 private:
  const std::string listen_address_;
  int port_ = 0;  // written by gRPC when the server is built
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_LISTENING_PORT_H_
