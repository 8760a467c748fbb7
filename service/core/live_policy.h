// LivePolicy: the policy consentd decides by, which an operator may replace
// while it serves (SIGHUP) without dropping a call.
//
// Each operation takes the policy once, at its start (Current), and keeps
// that snapshot to its end: a check, a write or a whole scrub is decided
// by one version, and names it. A replacement is seen from the next
// operation on; the one before stays alive while anything still holds it.
//
// Thread-safety: Current and Replace may be called from any thread.
#ifndef CONSENTD_SERVICE_CORE_LIVE_POLICY_H_
#define CONSENTD_SERVICE_CORE_LIVE_POLICY_H_

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "policy/policy_model.h"

namespace consentd::core {

using PolicySnapshot = std::shared_ptr<const policy::PolicyModel>;

class LivePolicy {
 public:
  explicit LivePolicy(policy::PolicyModel initial);
  LivePolicy(const LivePolicy&) = delete;
  LivePolicy& operator=(const LivePolicy&) = delete;

  // The policy in force. Never null.
  PolicySnapshot Current() const { return current_.load(); }

  // Puts `next` in force, unless it says what the policy in force says;
  // returns the policy it replaced (null when `next` changed nothing).
  // Errors, with the policy in force kept: those of
  // PolicyModel::CanBeReplacedBy; ABORTED when another replacement landed
  // while this one was checked (reload again).
  absl::StatusOr<PolicySnapshot> Replace(policy::PolicyModel next);

 private:
  std::atomic<PolicySnapshot> current_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_LIVE_POLICY_H_
