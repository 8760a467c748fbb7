// CSV as campaign tools export it (RFC 4180): comma-separated fields,
// optionally quoted with '"' (a quote inside a quoted field is doubled);
// quoted fields may hold commas and line breaks; lines end in LF or CRLF; a
// UTF-8 byte-order mark at the start is skipped.
#ifndef CONSENTD_CLIENT_CONSENTCTL_CSV_H_
#define CONSENTD_CLIENT_CONSENTCTL_CSV_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace consentd::consentctl {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(*in.rdbuf()) {}

  // Reads the next record into `fields`; false at the end of the input.
  // A malformed record (a quote inside an unquoted field, text after a
  // closing quote, a quoted field never closed) is INVALID_ARGUMENT naming
  // its line; reading then goes on with the next line.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields);

  // The line the last record read started on, from 1.
  int record_line() const { return record_line_; }

 private:
  // Consumes the rest of the physical line after a malformed field.
  void SkipLine();

  std::streambuf& in_;
  int line_ = 1;
  int record_line_ = 0;
  bool started_ = false;
};

// One CSV line (with a trailing LF), quoting the fields that need it.
std::string CsvLine(absl::Span<const std::string> fields);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_CSV_H_
