// Fuzzes consentctl's CSV reader (CsvReader) and writer (CsvLine).
//
// The input is read as a CSV file. Invariants:
// - reading ends: every record consumes input;
// - a malformed record is INVALID_ARGUMENT naming the line it starts on,
//   and reading goes on after it;
// - records start on strictly increasing lines, none past the last one;
// - a record has at least one field;
// - each record written back with CsvLine reads as that record alone, and
//   all of them written one after another read as the same records, with
//   or without a byte-order mark before them.
//
// The input is also cut into records at 0x1E and into fields at 0x1F
// (ASCII's record and unit separators), written with CsvLine and read back:
// CsvLine must quote whatever needs it, so every field comes back as it
// was.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "client/consentctl/csv.h"
#include "fuzz/fuzz_check.h"

namespace consentd::consentctl {
namespace {

using Records = std::vector<std::vector<std::string>>;

// The well-formed records of `text`, checking the reader's invariants on
// the way; `errors` counts the malformed ones.
Records ReadAll(const std::string& text, int* errors) {
  std::istringstream in(text);
  CsvReader reader(in);
  Records records;
  std::vector<std::string> fields;
  const size_t lines =
      static_cast<size_t>(std::count(text.begin(), text.end(), '\n') + 1);
  int previous_line = 0;
  *errors = 0;
  for (size_t calls = 0;; ++calls) {
    FUZZ_CHECK(calls <= text.size() + 1);
    absl::StatusOr<bool> more = reader.Next(&fields);
    if (more.ok() && !*more) break;
    FUZZ_CHECK(reader.record_line() > previous_line);
    FUZZ_CHECK(static_cast<size_t>(reader.record_line()) <= lines);
    previous_line = reader.record_line();
    if (!more.ok()) {
      FUZZ_CHECK(more.status().code() == absl::StatusCode::kInvalidArgument);
      FUZZ_CHECK(
          absl::StartsWith(more.status().message(),
                           absl::StrCat("line ", reader.record_line(), ": ")));
      ++*errors;
      continue;
    }
    FUZZ_CHECK(!fields.empty());
    records.push_back(fields);
  }
  return records;
}

std::string Write(const Records& records) {
  std::string text;
  for (const std::vector<std::string>& record : records) {
    text += CsvLine(record);
  }
  return text;
}

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

// `records` written by CsvLine read back as themselves, after a byte-order
// mark and, unless the first field begins with one (which a reader cannot
// tell from the file's own), without.
void CheckReadsBack(const Records& records) {
  int errors = 0;
  const std::string text = Write(records);
  FUZZ_CHECK(ReadAll(absl::StrCat(kByteOrderMark, text), &errors) == records);
  FUZZ_CHECK(errors == 0);
  if (!records.empty() && !records.front().empty() &&
      absl::StartsWith(records.front().front(), kByteOrderMark)) {
    return;
  }
  FUZZ_CHECK(ReadAll(text, &errors) == records);
  FUZZ_CHECK(errors == 0);
}

void Fuzz(absl::string_view data) {
  int errors = 0;
  const Records records = ReadAll(std::string(data), &errors);
  for (const std::vector<std::string>& record : records) {
    CheckReadsBack({record});
  }
  CheckReadsBack(records);

  Records cut;
  for (absl::string_view record : absl::StrSplit(data, '\x1e')) {
    std::vector<std::string> fields = absl::StrSplit(record, '\x1f');
    cut.push_back(std::move(fields));
  }
  CheckReadsBack(cut);
}

}  // namespace
}  // namespace consentd::consentctl

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  consentd::consentctl::Fuzz(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
