#include "client/consentctl/csv.h"

#include "absl/strings/str_cat.h"

namespace consentd::consentctl {
namespace {

constexpr int kEof = std::char_traits<char>::eof();

}  // namespace

void CsvReader::SkipLine() {
  for (int c = in_.sbumpc(); c != kEof; c = in_.sbumpc()) {
    if (c == '\n') {
      ++line_;
      return;
    }
  }
}

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  if (!started_) {
    started_ = true;
    // A UTF-8 byte-order mark is not part of the first header name. The
    // bytes of a partial one are text (U+FF0C is EF BC 8C): they begin the
    // first field.
    for (int mark_byte : {0xEF, 0xBB, 0xBF}) {
      if (in_.sgetc() != mark_byte) break;
      field.push_back(static_cast<char>(in_.sbumpc()));
    }
    if (field == "\xEF\xBB\xBF") field.clear();
  }
  if (field.empty() && in_.sgetc() == kEof) return false;
  record_line_ = line_;
  auto malformed = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", record_line_, ": ", why));
  };

  while (true) {
    int c = in_.sbumpc();
    if (c == '"' && field.empty()) {
      // Quoted field: up to the closing quote; "" is a literal quote.
      while (true) {
        c = in_.sbumpc();
        if (c == kEof) return malformed("a quoted field is never closed");
        if (c == '"') {
          if (in_.sgetc() != '"') break;
          in_.sbumpc();
        }
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      c = in_.sbumpc();
      if (c == '\r' && in_.sgetc() == '\n') c = in_.sbumpc();
      if (c != ',' && c != '\n' && c != kEof) {
        SkipLine();
        return malformed("text after a closing quote");
      }
    } else {
      while (c != ',' && c != '\n' && c != kEof) {
        if (c == '\r' && in_.sgetc() == '\n') {
          c = in_.sbumpc();
          break;
        }
        if (c == '"') {
          SkipLine();
          return malformed("a quote inside an unquoted field");
        }
        field.push_back(static_cast<char>(c));
        c = in_.sbumpc();
      }
    }
    fields->push_back(std::move(field));
    field.clear();
    if (c == '\n') {
      ++line_;
      return true;
    }
    if (c == kEof) return true;
  }
}

std::string CsvLine(absl::Span<const std::string> fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    const std::string& field = fields[i];
    if (field.find_first_of(",\"\r\n") == std::string::npos) {
      line += field;
      continue;
    }
    line.push_back('"');
    for (char c : field) {
      if (c == '"') line.push_back('"');
      line.push_back(c);
    }
    line.push_back('"');
  }
  line.push_back('\n');
  return line;
}

}  // namespace consentd::consentctl
