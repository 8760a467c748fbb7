// grpc.health.v1.Health, gRPC's standard health check, served from a
// MethodTable on the CompletionQueues (gRPC's built-in one would bring its
// callback threads back). The server as a whole ("") and every service the
// table names are SERVING while it accepts calls; any other name is
// NOT_FOUND. Watch sends the status, then NOT_SERVING when the server starts
// draining, and ends.
#ifndef CONSENTD_RPC_HEALTH_SERVICE_H_
#define CONSENTD_RPC_HEALTH_SERVICE_H_

#include "rpc/method_table.h"

namespace consentd::rpc {

// Answers for every service `methods` names when a call comes.
void AddHealthService(MethodTable* methods);

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_HEALTH_SERVICE_H_
