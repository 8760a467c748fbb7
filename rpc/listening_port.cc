#include "rpc/listening_port.h"

#include <grpcpp/security/server_credentials.h>

#include "absl/strings/str_cat.h"

namespace consentd::rpc {

ListeningPort::ListeningPort(const ServerOptions& options,
                             grpc::ServerBuilder* builder)
    : listen_address_(options.listen_address) {
  builder->AddListeningPort(listen_address_, grpc::InsecureServerCredentials(),
                            &port_);
  builder->SetMaxReceiveMessageSize(options.max_message_bytes);
  // gRPC sets SO_REUSEPORT by default: a second server on the port would
  // silently share its calls instead of failing to start.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

std::string ListeningPort::BoundAddress() const {
  if (port_ == 0) return "";
  return absl::StrCat(listen_address_.substr(0, listen_address_.rfind(':')),
                      ":", port_);
}

}  // namespace consentd::rpc
