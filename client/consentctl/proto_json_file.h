// Protobuf messages kept in files as JSON (the proto3 JSON mapping): scrub
// receipts and the receipt key, readable by people and by any language.
#ifndef CONSENTD_CLIENT_CONSENTCTL_PROTO_JSON_FILE_H_
#define CONSENTD_CLIENT_CONSENTCTL_PROTO_JSON_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace consentd::consentctl {

// Writes `message` to `path` as indented JSON. FAILED_PRECONDITION when the
// file cannot be written.
absl::Status WriteProtoJson(const std::string& path,
                            const google::protobuf::Message& message);

// Reads `path` into `message`. NOT_FOUND when it cannot be read;
// INVALID_ARGUMENT when it is not JSON of that message.
absl::Status ReadProtoJson(const std::string& path,
                           google::protobuf::Message* message);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_PROTO_JSON_FILE_H_
