// grpc.health.v1.Health, gRPC's standard health check, served on consentd's
// own call queue (gRPC's built-in one would bring its callback threads
// back). The server as a whole ("") and every service it names are SERVING
// while it accepts calls; any other name is NOT_FOUND. Watch sends the
// status, then NOT_SERVING when the server starts draining, and ends.
#ifndef CONSENTD_SERVICE_API_HEALTH_SERVICE_H_
#define CONSENTD_SERVICE_API_HEALTH_SERVICE_H_

#include "service/api/method_table.h"

namespace consentd::api {

// Answers for every service `methods` names when a call comes.
void AddHealthService(MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_HEALTH_SERVICE_H_
