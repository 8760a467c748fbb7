// Files that hold personal data (subject exports): created readable and
// writable by their owner only, and flushed to disk before success is
// reported.
#ifndef CONSENTD_CLIENT_CONSENTCTL_PRIVATE_FILE_H_
#define CONSENTD_CLIENT_CONSENTCTL_PRIVATE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace consentd::consentctl {

// Writes `bytes` to `path` (mode 0600, replacing what was there).
// FAILED_PRECONDITION when the file cannot be written.
absl::Status WritePrivateFile(const std::string& path, absl::string_view bytes);

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_PRIVATE_FILE_H_
