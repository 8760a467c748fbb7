#include "service/core/live_policy.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace consentd::core {

LivePolicy::LivePolicy(policy::PolicyModel initial) {
  held_.push_back(
      std::make_unique<const policy::PolicyModel>(std::move(initial)));
  current_.store(held_.back().get(), std::memory_order_release);
}

absl::StatusOr<PolicySnapshot> LivePolicy::Replace(
    policy::PolicyModel next,
    absl::FunctionRef<absl::Status(const policy::PolicyModel& in_force,
                                   const policy::PolicyModel& next)>
        record) {
  absl::MutexLock lock(&mu_);
  const policy::PolicyModel& in_force = *held_.back();
  RETURN_IF_ERROR(in_force.CanBeReplacedBy(next));
  if (in_force.SameAs(next)) return nullptr;
  for (const auto& before : held_) {
    if (before->version() == next.version() && !before->SameAs(next)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the new policy reuses version ", next.version(),
          ", which named other rules before: give it a version of its own"));
    }
  }
  RETURN_IF_ERROR(record(in_force, next));
  held_.push_back(std::make_unique<const policy::PolicyModel>(std::move(next)));
  current_.store(held_.back().get(), std::memory_order_release);
  return &in_force;
}

}  // namespace consentd::core
