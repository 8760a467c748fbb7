#include "service/core/live_policy.h"

#include <utility>

#include "base/status_macros.h"

namespace consentd::core {

LivePolicy::LivePolicy(policy::PolicyModel initial)
    : current_(
          std::make_shared<const policy::PolicyModel>(std::move(initial))) {}

absl::StatusOr<PolicySnapshot> LivePolicy::Replace(policy::PolicyModel next) {
  PolicySnapshot in_force = current_.load();
  RETURN_IF_ERROR(in_force->CanBeReplacedBy(next));
  if (in_force->SameAs(next)) return PolicySnapshot();
  auto replacement =
      std::make_shared<const policy::PolicyModel>(std::move(next));
  // Compared with the snapshot checked above, so that of two replacements
  // racing each other the second is checked against the first.
  if (!current_.compare_exchange_strong(in_force, replacement)) {
    return absl::AbortedError(
        "the policy was replaced meanwhile: reload again");
  }
  return in_force;
}

}  // namespace consentd::core
