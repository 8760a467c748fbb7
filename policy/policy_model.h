// PolicyModel: a validated, indexed consent.v1.Policy.
//
// Purposes and channels are named by small integers (ScopeId) so that the
// in-memory index stays compact and decisions compare integers, not strings.
// Ids are assigned in policy order, starting at 1; 0 (kAnyScope) means
// "every purpose" / "every channel".
//
// Example:
//   ASSIGN_OR_RETURN(PolicyModel policy, PolicyModel::FromTextProto(text));
//   std::optional<ScopeId> marketing = policy.FindPurpose("marketing");
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CONSENTD_POLICY_POLICY_MODEL_H_
#define CONSENTD_POLICY_POLICY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "consent/v1/policy.pb.h"

namespace consentd::policy {

using ScopeId = uint16_t;
inline constexpr ScopeId kAnyScope = 0;
// A purpose or channel named in a stored record that this policy no longer
// defines: it matches no query.
inline constexpr ScopeId kRetiredScope = 0xFFFF;

class PolicyModel {
 public:
  // Parses a text-format consent.v1.Policy and validates it. Errors:
  // INVALID_ARGUMENT naming the first problem (syntax, a missing version,
  // duplicate or malformed names, an unknown time zone, a bad window).
  static absl::StatusOr<PolicyModel> FromTextProto(absl::string_view text);
  // Validates an already parsed policy; errors as FromTextProto.
  static absl::StatusOr<PolicyModel> FromProto(consent::v1::Policy proto);

  const std::string& version() const { return proto_.version(); }

  // Whether a running consentd may decide by `next` instead of this policy
  // from its next call on. The in-memory index holds the purposes and
  // channels of stored facts and lists by position, and the e-mail
  // normalisation and default region make the identifiers' digests: `next`
  // must keep all four as they are (new purposes or channels take a
  // restart, which rebuilds the index; the store refuses other identifier
  // rules for good). Errors: FAILED_PRECONDITION naming the first of them
  // `next` changes; INVALID_ARGUMENT when `next` differs from this policy
  // under the same version (decisions name the version they were made by).
  absl::Status CanBeReplacedBy(const PolicyModel& next) const;
  // Whether `other` says exactly what this policy says.
  bool SameAs(const PolicyModel& other) const;
  const consent::v1::Policy& proto() const { return proto_; }

  // The id of a purpose or channel by name; nullopt when the policy has none
  // of that name. The empty name is not a purpose or channel.
  std::optional<ScopeId> FindPurpose(absl::string_view name) const;
  std::optional<ScopeId> FindChannel(absl::string_view name) const;

  // The id of a purpose or channel named in a stored record: kAnyScope for
  // the empty name, kRetiredScope for a name this policy does not define.
  ScopeId StoredPurpose(absl::string_view name) const;
  ScopeId StoredChannel(absl::string_view name) const;

  // Names by id; "" for kAnyScope. `id` must come from this policy.
  const std::string& PurposeName(ScopeId id) const;
  const std::string& ChannelName(ScopeId id) const;

  // Channel ids are 1..channel_count().
  int channel_count() const { return proto_.channels_size(); }

  consent::v1::LawfulBasis PurposeBasis(ScopeId purpose) const;
  // absl::InfiniteDuration() when consent for the purpose does not expire.
  absl::Duration ConsentExpiry(ScopeId purpose) const;
  // Whether consent collected this way proves a subject-initiated action
  // and may lift a standing refusal.
  bool LiftsRefusal(consent::v1::CollectionMethod method) const;

  bool CallingHoursApply(ScopeId channel) const;
  // Whether `at` falls in the calling hours of `region` (or of the "*"
  // rule). True when neither has a rule.
  bool WithinCallingHours(absl::string_view region, absl::Time at) const;

  const consent::v1::EmailNormalisation& email() const {
    return proto_.email();
  }
  const std::string& default_region() const { return proto_.default_region(); }

  // How far before and after now a check's `at` may lie.
  absl::Duration CheckMaxPast() const {
    return proto_.has_check_time_window()
               ? absl::Seconds(proto_.check_time_window().max_past_seconds())
               : absl::Minutes(5);
  }
  // How long a write's idempotency key is kept.
  absl::Duration IdempotencyWindow() const {
    return proto_.idempotency_window_seconds() == 0
               ? absl::Hours(24)
               : absl::Seconds(proto_.idempotency_window_seconds());
  }
  absl::Duration CheckMaxFuture() const {
    return proto_.has_check_time_window()
               ? absl::Seconds(proto_.check_time_window().max_future_seconds())
               : absl::Hours(31 * 24);
  }

 private:
  struct CallingRule {
    absl::TimeZone zone;
    std::vector<consent::v1::CallingWindow> windows;
  };

  PolicyModel() = default;

  consent::v1::Policy proto_;
  absl::flat_hash_map<std::string, ScopeId> purpose_ids_;
  absl::flat_hash_map<std::string, ScopeId> channel_ids_;
  absl::flat_hash_map<std::string, CallingRule> calling_rules_;
};

}  // namespace consentd::policy

#endif  // CONSENTD_POLICY_POLICY_MODEL_H_
