// The bounds every request is held to (SPEC §7) and the checks shared by the
// write and check paths. Every error is INVALID_ARGUMENT, names the field,
// and never quotes personal data.
#ifndef CONSENTD_SERVICE_CORE_INPUT_VALIDATION_H_
#define CONSENTD_SERVICE_CORE_INPUT_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "consent/v1/types.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "policy/policy_model.h"

namespace consentd::core {

inline constexpr int kMaxIdentifiersPerContact = 16;
inline constexpr int kMaxBatchContacts = 10'000;
inline constexpr int kMaxBatchIdentifiers = 20'000;
inline constexpr size_t kMaxRowIdLength = 128;
inline constexpr size_t kMaxNoticeVersionLength = 128;
inline constexpr size_t kMaxEvidenceReferenceLength = 256;
inline constexpr size_t kMaxCollectorLength = 128;
inline constexpr size_t kMaxSourceLength = 64;
// How far in the future a reported occurrence may lie (clock skew).
inline constexpr absl::Duration kMaxFutureSkew = absl::Minutes(5);

// 1..kMaxIdentifiersPerContact identifiers.
absl::Status ValidateIdentifierCount(int count);

// Empty, or an ISO 3166-1 alpha-2 code in upper case.
absl::Status ValidateRegion(absl::string_view region, absl::string_view field);

// A purpose or channel the policy names. `required`: the empty name is an
// error; otherwise it means every purpose/channel (kAnyScope).
absl::StatusOr<policy::ScopeId> ResolvePurpose(
    const policy::PolicyModel& policy, absl::string_view name, bool required);
absl::StatusOr<policy::ScopeId> ResolveChannel(
    const policy::PolicyModel& policy, absl::string_view name, bool required);

// A collection method is set and every text is within its bound.
absl::Status ValidateEvidence(const consent::v1::Evidence& evidence);

// An idempotency key is empty (none) or 1-kMaxIdempotencyKeyLength
// printable ASCII characters without spaces.
inline constexpr size_t kMaxIdempotencyKeyLength = 128;
absl::Status ValidateIdempotencyKey(absl::string_view key);

// The time a request names, or `now` when unset. Errors for a timestamp out
// of range and, with `bounded_future`, one more than kMaxFutureSkew ahead.
absl::StatusOr<absl::Time> RequestTime(bool has_time,
                                       const google::protobuf::Timestamp& time,
                                       absl::Time now, bool bounded_future,
                                       absl::string_view field);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_INPUT_VALIDATION_H_
