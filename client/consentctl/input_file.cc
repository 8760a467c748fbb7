#include "client/consentctl/input_file.h"

#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace consentd::consentctl {

absl::StatusOr<std::unique_ptr<std::istream>> OpenInput(
    const std::string& path) {
  // A stream of its own over standard input's buffer, so that the caller
  // owns what it reads from whichever the input is.
  if (path == "-") return std::make_unique<std::istream>(std::cin.rdbuf());
  auto file = std::make_unique<std::ifstream>(path);
  if (!*file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return file;
}

std::optional<absl::string_view> EntryReader::Next() {
  while (std::getline(in_, line_)) {
    ++line_number_;
    absl::string_view entry = absl::StripAsciiWhitespace(line_);
    if (!entry.empty() && entry[0] != '#') return entry;
  }
  return std::nullopt;
}

}  // namespace consentd::consentctl
