#include "rpc/peer.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace consentd::rpc {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

std::string ToString(const grpc::string_ref& value) {
  return std::string(value.data(), value.size());
}

}  // namespace

Peer PeerOf(const grpc::ServerContextBase& context) {
  Peer peer;
  peer.address = context.peer();
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr) {
    for (const grpc::string_ref& type :
         auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
      if (type == GRPC_SSL_TRANSPORT_SECURITY_TYPE) peer.tls = true;
    }
    // gRPC sets a peer identity only from a client certificate that
    // verified.
    peer.verified_certificate = peer.tls && auth->IsPeerAuthenticated();
    if (peer.verified_certificate) {
      for (const grpc::string_ref& uri :
           auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
        peer.certificate_uris.push_back(ToString(uri));
      }
      for (const grpc::string_ref& cn :
           auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
        peer.certificate_common_name = ToString(cn);
      }
    }
  }
  // Any authorization header counts: a scheme other than Bearer, an empty
  // token or a second header is kept whole as the token, which then names
  // no one, so a malformed credential is refused rather than ignored.
  const auto& metadata = context.client_metadata();
  auto [first, end] = metadata.equal_range("authorization");
  if (first != end) {
    absl::string_view value(first->second.data(), first->second.size());
    absl::string_view token =
        absl::StripAsciiWhitespace(absl::StartsWithIgnoreCase(value, kBearer)
                                       ? value.substr(kBearer.size())
                                       : absl::string_view());
    const bool well_formed = !token.empty() && std::next(first) == end;
    peer.bearer_token = std::string(well_formed ? token : value);
    if (peer.bearer_token.empty()) peer.bearer_token = "malformed";
  }
  return peer;
}

}  // namespace consentd::rpc
