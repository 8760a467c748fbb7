// LivePolicy: the policy consentd decides by, which an operator may replace
// while it serves (SIGHUP) without dropping a call.
//
// Each operation takes the policy once, at its start (Current), and keeps
// that snapshot to its end: a check, a write or a whole scrub is decided
// by one version, and names it. A replacement is seen from the next
// operation on. Every policy once in force is kept until the LivePolicy
// goes (a few KiB each; replacements are an operator's rare act), so a
// snapshot never dangles and taking one is a single atomic load: no
// reference count for every check to bounce between cores.
//
// Thread-safety: Current and Replace may be called from any thread;
// replacements are serialised.
#ifndef CONSENTD_SERVICE_CORE_LIVE_POLICY_H_
#define CONSENTD_SERVICE_CORE_LIVE_POLICY_H_

#include <atomic>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "policy/policy_model.h"

namespace consentd::core {

// A policy in force now or before; valid for the life of its LivePolicy.
using PolicySnapshot = const policy::PolicyModel*;

class LivePolicy {
 public:
  explicit LivePolicy(policy::PolicyModel initial);
  LivePolicy(const LivePolicy&) = delete;
  LivePolicy& operator=(const LivePolicy&) = delete;

  // The policy in force. Never null.
  PolicySnapshot Current() const {
    return current_.load(std::memory_order_acquire);
  }

  // Puts `next` in force, unless it says what the policy in force says;
  // returns the policy it replaced (null when `next` changed nothing).
  // `record(in_force, next)` runs first (consentd audits the replacement
  // there), and only its success puts `next` in force. Errors, with the
  // policy in force kept: those of PolicyModel::CanBeReplacedBy;
  // INVALID_ARGUMENT for a version that was in force before with other
  // rules (a version names one set of rules); `record`'s error.
  absl::StatusOr<PolicySnapshot> Replace(
      policy::PolicyModel next,
      absl::FunctionRef<absl::Status(const policy::PolicyModel& in_force,
                                     const policy::PolicyModel& next)>
          record) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  // Every policy once in force, oldest first; the last is Current.
  std::vector<std::unique_ptr<const policy::PolicyModel>> held_
      ABSL_GUARDED_BY(mu_);
  std::atomic<PolicySnapshot> current_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_LIVE_POLICY_H_
