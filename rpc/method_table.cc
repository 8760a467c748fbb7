#include "rpc/method_table.h"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace consentd::rpc {
namespace {

// A registration that contradicts the .proto files is a programming error:
// the server must not start with it.
void Require(bool holds, const char* what, absl::string_view name) {
  if (holds) return;
  std::fprintf(stderr, "MethodTable: %s: %.*s\n", what,
               static_cast<int>(name.size()), name.data());
  std::abort();
}

}  // namespace

bool ParseMessage(grpc::ByteBuffer* bytes,
                  google::protobuf::MessageLite* message) {
  return grpc::GenericDeserialize<grpc::ProtoBufferReader,
                                  google::protobuf::MessageLite>(bytes, message)
      .ok();
}

bool SerializeMessage(const google::protobuf::MessageLite& message,
                      grpc::ByteBuffer* bytes) {
  bool own_buffer;
  return grpc::GenericSerialize<grpc::ProtoBufferWriter,
                                google::protobuf::MessageLite>(message, bytes,
                                                               &own_buffer)
      .ok();
}

void MethodTable::Add(absl::string_view service, absl::string_view method,
                      const google::protobuf::Descriptor* request,
                      const google::protobuf::Descriptor* response,
                      Method entry) {
  AddService(service);
  std::string path = absl::StrCat("/", service, "/", method);
  const google::protobuf::MethodDescriptor* declared =
      google::protobuf::DescriptorPool::generated_pool()
          ->FindServiceByName(std::string(service))
          ->FindMethodByName(std::string(method));
  Require(declared != nullptr, "method not declared in any .proto", path);
  bool streaming = request == nullptr;
  Require(streaming ==
              (declared->client_streaming() || declared->server_streaming()),
          "method registered with the wrong kind of handler", path);
  Require(streaming || (declared->input_type() == request &&
                        declared->output_type() == response),
          "method registered with the wrong message types", path);
  if (observer_ != nullptr && entry.unary) {
    // The name lives on the heap, where moving the handler cannot move it.
    auto name = std::make_shared<const std::string>(path);
    entry.unary = [observer = observer_, name, inner = std::move(entry.unary)](
                      const Caller& caller, grpc::ByteBuffer* bytes,
                      UnaryReply* reply) {
      // Forwards the answer, then tells the observer; gone once sent.
      class ObservedReply final : public UnaryReply {
       public:
        ObservedReply(CallObserver* observer, absl::string_view path,
                      UnaryReply* reply)
            : observer_(observer),
              path_(path),
              reply_(reply),
              start_(absl::Now()) {}
        void Send(const grpc::Status& status,
                  const google::protobuf::MessageLite* response) override {
          const absl::Duration took = absl::Now() - start_;
          observer_->Answered(path_, status, took,
                              status.ok() ? response : nullptr);
          reply_->Send(status, response);
          delete this;
        }

       private:
        CallObserver* const observer_;
        const absl::string_view path_;
        UnaryReply* const reply_;
        const absl::Time start_;
      };
      inner(caller, bytes, new ObservedReply(observer, *name, reply));
    };
  }
  Require(methods_.emplace(path, std::move(entry)).second,
          "method registered twice", path);
}

void MethodTable::AddStream(absl::string_view service, absl::string_view method,
                            StreamHandler handler) {
  Add(service, method, nullptr, nullptr,
      Method{Runs::kOnHandlerThread, Pool::kStream, nullptr,
             std::move(handler)});
}

void MethodTable::AddService(absl::string_view service) {
  Require(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              std::string(service)) != nullptr,
          "service not declared in any .proto", service);
  auto at = std::lower_bound(services_.begin(), services_.end(), service);
  if (at == services_.end() || *at != service) {
    services_.insert(at, std::string(service));
  }
}

absl::StatusOr<Caller> MethodTable::Admit(
    absl::string_view path, const grpc::ServerContextBase& context) const {
  if (!admission_) return Caller{};
  return admission_(path, PeerOf(context));
}

const MethodTable::Method* MethodTable::Find(absl::string_view path) const {
  auto it = methods_.find(path);
  return it == methods_.end() ? nullptr : &it->second;
}

}  // namespace consentd::rpc
