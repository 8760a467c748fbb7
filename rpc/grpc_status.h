// The one place an absl::Status becomes a grpc::Status. The canonical codes
// are the same in both; messages pass through unchanged (they never carry
// personal data, by the rule every module follows).
#ifndef CONSENTD_RPC_GRPC_STATUS_H_
#define CONSENTD_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace consentd::rpc {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_GRPC_STATUS_H_
