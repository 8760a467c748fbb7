#include "service/api/method_table.h"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/str_cat.h"

namespace consentd::api {

bool ParseMessage(grpc::ByteBuffer* bytes,
                  google::protobuf::MessageLite* message) {
  return grpc::GenericDeserialize<grpc::ProtoBufferReader,
                                  google::protobuf::MessageLite>(bytes, message)
      .ok();
}

void MethodTable::Add(absl::string_view service, absl::string_view method,
                      const google::protobuf::Descriptor* request,
                      const google::protobuf::Descriptor* response,
                      Method entry) {
  AddService(service);
  const google::protobuf::MethodDescriptor* declared =
      google::protobuf::DescriptorPool::generated_pool()
          ->FindServiceByName(std::string(service))
          ->FindMethodByName(std::string(method));
  bool streaming = request == nullptr;
  ABSL_RAW_CHECK(declared != nullptr, "method not declared in any .proto");
  ABSL_RAW_CHECK(streaming == (declared->client_streaming() ||
                               declared->server_streaming()),
                 "method registered with the wrong kind of handler");
  ABSL_RAW_CHECK(streaming || (declared->input_type() == request &&
                               declared->output_type() == response),
                 "method registered with the wrong message types");
  bool inserted =
      methods_
          .emplace(absl::StrCat("/", service, "/", method), std::move(entry))
          .second;
  ABSL_RAW_CHECK(inserted, "method registered twice");
}

void MethodTable::AddStream(absl::string_view service, absl::string_view method,
                            StreamHandler handler) {
  Add(service, method, nullptr, nullptr,
      Method{Runs::kOnHandlerThread, nullptr, std::move(handler)});
}

void MethodTable::AddService(absl::string_view service) {
  ABSL_RAW_CHECK(
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service)) != nullptr,
      "service not declared in any .proto");
  auto at = std::lower_bound(services_.begin(), services_.end(), service);
  if (at == services_.end() || *at != service) {
    services_.insert(at, std::string(service));
  }
}

const MethodTable::Method* MethodTable::Find(absl::string_view path) const {
  auto it = methods_.find(path);
  return it == methods_.end() ? nullptr : &it->second;
}

}  // namespace consentd::api
