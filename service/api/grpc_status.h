// The one place an absl::Status becomes a grpc::Status. The canonical codes
// are the same in both; messages pass through unchanged (they never carry
// personal data, by the rule every module follows).
#ifndef CONSENTD_SERVICE_API_GRPC_STATUS_H_
#define CONSENTD_SERVICE_API_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace consentd::api {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Moves a core result into the RPC response, or maps its error.
template <typename Response>
grpc::Status Reply(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_GRPC_STATUS_H_
