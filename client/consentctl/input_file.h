// The line-oriented inputs commands read from a file named on the command
// line, or from standard input for "-" (check-batch, list import): one entry
// a line, with blank lines and '#' comments skipped.
#ifndef CONSENTD_CLIENT_CONSENTCTL_INPUT_FILE_H_
#define CONSENTD_CLIENT_CONSENTCTL_INPUT_FILE_H_

#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace consentd::consentctl {

// Opens `path` for reading, or standard input when `path` is "-" (the stream
// then reads standard input's buffer as it is at this call). NOT_FOUND
// "cannot read PATH" when the file cannot be opened.
absl::StatusOr<std::unique_ptr<std::istream>> OpenInput(
    const std::string& path);

// Reads the entries of `in`, which must outlive it. Not thread-safe.
class EntryReader {
 public:
  explicit EntryReader(std::istream& in) : in_(in) {}

  // The next line that is neither blank nor a '#' comment, without its
  // surrounding whitespace, valid until the next call; nullopt at the end.
  std::optional<absl::string_view> Next();

  // The number of the line Next() returned last, counting from 1 and
  // counting every line, for error messages.
  int line_number() const { return line_number_; }

 private:
  std::istream& in_;
  std::string line_;
  int line_number_ = 0;
};

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_INPUT_FILE_H_
