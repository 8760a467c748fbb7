// grpc.reflection.v1alpha.ServerReflection, served on consentd's own call
// queue so that grpcurl and similar tools can list and call the API without
// its .proto files. It answers from the descriptors compiled into consentd:
// the services `methods` names, and any file, symbol or extension of them.
#ifndef CONSENTD_SERVICE_API_REFLECTION_SERVICE_H_
#define CONSENTD_SERVICE_API_REFLECTION_SERVICE_H_

#include "service/api/method_table.h"

namespace consentd::api {

void AddReflectionService(MethodTable* methods);

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_REFLECTION_SERVICE_H_
