// ParseTextProto: a protobuf text-format document (policy, access config)
// into its message, with the first syntax error's line and column.
#ifndef CONSENTD_BASE_TEXT_PROTO_H_
#define CONSENTD_BASE_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace consentd {

// OK, or INVALID_ARGUMENT "cannot parse: line L, column C: what".
inline absl::Status ParseTextProto(absl::string_view text,
                                   google::protobuf::Message* message) {
  class FirstError : public google::protobuf::io::ErrorCollector {
   public:
    void AddError(int line, int column, const std::string& what) override {
      if (first.empty()) {
        first = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ",
                             what);
      }
    }
    std::string first;
  };
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse: ", errors.first));
  }
  return absl::OkStatus();
}

}  // namespace consentd

#endif  // CONSENTD_BASE_TEXT_PROTO_H_
