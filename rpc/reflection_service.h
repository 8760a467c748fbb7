// grpc.reflection.v1alpha.ServerReflection, served from a MethodTable on
// the CompletionQueues, so that grpcurl and similar tools can list and call
// the API without its .proto files. It answers from the descriptors
// compiled into the process: the services the table names, and any file,
// symbol or extension of them.
#ifndef CONSENTD_RPC_REFLECTION_SERVICE_H_
#define CONSENTD_RPC_REFLECTION_SERVICE_H_

#include "rpc/method_table.h"

namespace consentd::rpc {

void AddReflectionService(MethodTable* methods);

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_REFLECTION_SERVICE_H_
