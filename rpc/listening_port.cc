#include "rpc/listening_port.h"

#include <grpcpp/security/server_credentials.h>

#include "absl/strings/str_cat.h"

namespace consentd::rpc {
namespace {

std::shared_ptr<grpc::ServerCredentials> Credentials(
    const ServerOptions& options) {
  if (!options.tls.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      options.tls->client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.tls->client_ca;
  ssl.pem_key_cert_pairs.push_back(
      {options.tls->private_key, options.tls->certificate_chain});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

ListeningPort::ListeningPort(const ServerOptions& options,
                             grpc::ServerBuilder* builder)
    : listen_address_(options.listen_address) {
  builder->AddListeningPort(listen_address_, Credentials(options), &port_);
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
