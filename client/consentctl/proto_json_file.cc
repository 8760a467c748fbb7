#include "client/consentctl/proto_json_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace consentd::consentctl {

absl::Status WriteProtoJson(const std::string& path,
                            const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return absl::InternalError("cannot encode as JSON");
  }
  std::ofstream out(path, std::ios::trunc);
  out << json;
  if (!out.flush()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::Status ReadProtoJson(const std::string& path,
                           google::protobuf::Message* message) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream json;
  json << in.rdbuf();
  if (!google::protobuf::util::JsonStringToMessage(json.str(), message).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not a ", message->GetDescriptor()->name(), " in JSON"));
  }
  return absl::OkStatus();
}

}  // namespace consentd::consentctl
