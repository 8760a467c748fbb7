// Role: what a caller of consentd is allowed to do, by job. A principal
// holds one or more roles (AccessConfig); role_table.h says which RPCs each
// role may call.
#ifndef CONSENTD_ACCESS_ROLE_H_
#define CONSENTD_ACCESS_ROLE_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace consentd::access {

enum class Role : uint8_t {
  kDialer,          // checks before a call; records objections, withdrawals
  kCampaign,        // scrubs lists; reads receipts
  kCollector,       // records consent; its grants alone may lift a refusal
  kListManager,     // imports and drops suppression lists
  kPrivacyOfficer,  // data-subject requests, exports, records
  kAuditor,         // reads the audit trail and receipts
  kDownstream,      // follows the change feed
  kAdmin,           // status, policy, backup, rekey, reflection
};
inline constexpr int kRoleCount = 8;

// "dialer", "list_manager", ...: the names AccessConfig uses.
absl::string_view RoleName(Role role);
std::optional<Role> ParseRole(absl::string_view name);

// A set of roles. A value type; the empty set allows nothing.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  static constexpr RoleSet FromBits(uint32_t bits) {
    RoleSet set;
    set.bits_ = bits & ((1u << kRoleCount) - 1);
    return set;
  }

  constexpr bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  constexpr bool Intersects(RoleSet other) const {
    return (bits_ & other.bits_) != 0;
  }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint32_t bits() const { return bits_; }
  void Add(Role role) { bits_ |= Bit(role); }

  // "dialer,campaign" in Role order; "" for the empty set.
  std::string ToString() const;

  friend constexpr bool operator==(RoleSet a, RoleSet b) {
    return a.bits_ == b.bits_;
  }

 private:
  static constexpr uint32_t Bit(Role role) {
    return 1u << static_cast<int>(role);
  }
  uint32_t bits_ = 0;
};

inline constexpr RoleSet kEveryRole = RoleSet::FromBits(~0u);

}  // namespace consentd::access

#endif  // CONSENTD_ACCESS_ROLE_H_
