// The syntax of purpose, channel, list and system names: 1-64 characters of
// [a-z0-9._-]. Names appear in metrics and audit entries, so they are kept
// to a safe alphabet.
#ifndef CONSENTD_BASE_SCOPE_NAME_H_
#define CONSENTD_BASE_SCOPE_NAME_H_

#include "absl/strings/string_view.h"

namespace consentd {

inline constexpr size_t kMaxScopeNameLength = 64;

inline bool IsValidScopeName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxScopeNameLength) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace consentd

#endif  // CONSENTD_BASE_SCOPE_NAME_H_
