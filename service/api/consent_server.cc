#include "service/api/consent_server.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "service/api/admission.h"
#include "service/api/consentd_services.h"

namespace consentd::api {
namespace {

// Bounds a message as SPEC §7 asks: a full CheckBatch fits well within it.
constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  if (!absl::ConsumePrefix(&host, "127.")) return false;
  int parts = 0;
  for (absl::string_view part : absl::StrSplit(host, '.')) {
    int value;
    if (!absl::SimpleAtoi(part, &value) || value < 0 || value > 255) {
      return false;
    }
    ++parts;
  }
  return parts == 3;
}

}  // namespace

absl::Status ValidateListenAddress(absl::string_view address, bool tls) {
  size_t colon = address.rfind(':');
  int port;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", address, " is not host:port"));
  }
  if (!tls && !IsLoopbackHost(address.substr(0, colon))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address ", address,
        " is not loopback; without TLS consentd serves only 127.0.0.0/8, "
        "localhost and [::1] (give --tls-cert and --tls-key)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ConsentServer>> ConsentServer::Start(
    core::ConsentCore* consent_core, const ServingOptions& serving) {
  RETURN_IF_ERROR(
      ValidateListenAddress(serving.listen_address, serving.tls.has_value()));
  ASSIGN_OR_RETURN(std::unique_ptr<access::CallerDirectory> callers,
                   access::CallerDirectory::Create(serving.access));
  std::unique_ptr<ConsentServer> server(new ConsentServer());
  server->callers_ = std::move(callers);
  rpc::MethodTable& methods = server->methods_;
  methods.set_admission(MakeAdmission(server->callers_.get()));
  methods.set_call_observer(serving.call_observer);
  AddConsentdServices(consent_core, absl::Now(), &methods);
  rpc::ServerOptions options;
  options.listen_address = serving.listen_address;
  options.tls = serving.tls;
  options.max_message_bytes = kMaxMessageBytes;
  options.unary = serving.unary_pool;
  options.deferred = serving.write_pool;
  options.streams = serving.streams;
  ASSIGN_OR_RETURN(server->server_, rpc::StartServer(options, &methods));
  return server;
}

}  // namespace consentd::api
