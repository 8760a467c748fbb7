#include "access/role.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace consentd::access {
namespace {

constexpr std::array<absl::string_view, kRoleCount> kNames = {
    "dialer",          "campaign", "collector",  "list_manager",
    "privacy_officer", "auditor",  "downstream", "admin",
};

}  // namespace

absl::string_view RoleName(Role role) {
  return kNames[static_cast<size_t>(role)];
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (!Has(static_cast<Role>(i))) continue;
    if (!out.empty()) out += ',';
    absl::StrAppend(&out, kNames[i]);
  }
  return out;
}

}  // namespace consentd::access
