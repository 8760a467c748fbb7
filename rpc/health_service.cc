#include "rpc/health_service.h"

#include <algorithm>

#include "grpc/health/v1/health.grpc.pb.h"

namespace consentd::rpc {
namespace {

namespace health = ::grpc::health::v1;

bool Serves(const MethodTable& methods, const std::string& service) {
  return service.empty() ||
         std::binary_search(methods.services().begin(),
                            methods.services().end(), service);
}

}  // namespace

void AddHealthService(MethodTable* methods) {
  const char* service = health::Health::service_full_name();
  methods->AddUnary<health::HealthCheckRequest, health::HealthCheckResponse>(
      service, "Check", MethodTable::Runs::kInline,
      [methods](const Caller&, const health::HealthCheckRequest& request,
                health::HealthCheckResponse* response) {
        if (!Serves(*methods, request.service())) {
          return absl::NotFoundError("no such service");
        }
        response->set_status(health::HealthCheckResponse::SERVING);
        return absl::OkStatus();
      });
  methods->AddStream(
      service, "Watch", [methods](const Caller&, CallStream& stream) {
        health::HealthCheckRequest request;
        if (!stream.Read(&request)) {
          return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "no HealthCheckRequest");
        }
        health::HealthCheckResponse response;
        response.set_status(Serves(*methods, request.service())
                                ? health::HealthCheckResponse::SERVING
                                : health::HealthCheckResponse::SERVICE_UNKNOWN);
        if (!stream.Write(response)) return grpc::Status::OK;
        if (stream.AwaitEndOrDrain()) {
          response.set_status(health::HealthCheckResponse::NOT_SERVING);
          stream.Write(response);
        }
        return grpc::Status::OK;
      });
}

}  // namespace consentd::rpc
