#include "rpc/reflection_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace consentd::rpc {
namespace {

namespace reflection = ::grpc::reflection::v1alpha;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

void SetError(grpc::StatusCode code, const char* message,
              reflection::ServerReflectionResponse* response) {
  response->mutable_error_response()->set_error_code(code);
  response->mutable_error_response()->set_error_message(message);
}

// `file` and, transitively, every file it imports, each once.
void AddFile(const FileDescriptor* file,
             absl::flat_hash_set<const FileDescriptor*>* sent,
             reflection::ServerReflectionResponse* response) {
  if (!sent->insert(file).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  proto.SerializeToString(response->mutable_file_descriptor_response()
                              ->add_file_descriptor_proto());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFile(file->dependency(i), sent, response);
  }
}

reflection::ServerReflectionResponse Answer(
    const MethodTable& methods,
    const reflection::ServerReflectionRequest& request) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  reflection::ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  absl::flat_hash_set<const FileDescriptor*> sent;
  switch (request.message_request_case()) {
    case reflection::ServerReflectionRequest::kListServices:
      for (const std::string& name : methods.services()) {
        response.mutable_list_services_response()->add_service()->set_name(
            name);
      }
      break;
    case reflection::ServerReflectionRequest::kFileByFilename:
      if (const FileDescriptor* file =
              pool->FindFileByName(request.file_by_filename())) {
        AddFile(file, &sent, &response);
      } else {
        SetError(grpc::StatusCode::NOT_FOUND, "File not found.", &response);
      }
      break;
    case reflection::ServerReflectionRequest::kFileContainingSymbol:
      if (const FileDescriptor* file = pool->FindFileContainingSymbol(
              request.file_containing_symbol())) {
        AddFile(file, &sent, &response);
      } else {
        SetError(grpc::StatusCode::NOT_FOUND, "Symbol not found.", &response);
      }
      break;
    case reflection::ServerReflectionRequest::kFileContainingExtension: {
      const auto& wanted = request.file_containing_extension();
      const google::protobuf::Descriptor* type =
          pool->FindMessageTypeByName(wanted.containing_type());
      const google::protobuf::FieldDescriptor* extension =
          type == nullptr
              ? nullptr
              : pool->FindExtensionByNumber(type, wanted.extension_number());
      if (extension != nullptr) {
        AddFile(extension->file(), &sent, &response);
      } else {
        SetError(grpc::StatusCode::NOT_FOUND, "Extension not found.",
                 &response);
      }
      break;
    }
    case reflection::ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const google::protobuf::Descriptor* type =
          pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND, "Type not found.", &response);
        break;
      }
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* extension : extensions) {
        numbers->add_extension_number(extension->number());
      }
      break;
    }
    case reflection::ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      SetError(grpc::StatusCode::UNIMPLEMENTED, "No request given.", &response);
      break;
  }
  return response;
}

}  // namespace

void AddReflectionService(MethodTable* methods) {
  methods->AddStream(reflection::ServerReflection::service_full_name(),
                     "ServerReflectionInfo",
                     [methods](const Caller&, CallStream& stream) {
                       reflection::ServerReflectionRequest request;
                       while (stream.Read(&request)) {
                         if (!stream.Write(Answer(*methods, request))) break;
                       }
                       return grpc::Status::OK;
                     });
}

}  // namespace consentd::rpc
