#include "service/core/input_validation.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace consentd::core {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, as in timestamp.proto.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::StatusOr<policy::ScopeId> ResolveScope(
    std::optional<policy::ScopeId> found, absl::string_view name, bool required,
    absl::string_view what) {
  if (name.empty()) {
    if (required) {
      return absl::InvalidArgumentError(absl::StrCat(what, " is required"));
    }
    return policy::kAnyScope;
  }
  if (!found.has_value()) {
    // Purpose and channel names are policy vocabulary, not personal data,
    // but an unknown one may be anything: it is not echoed.
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not defined by the policy"));
  }
  return *found;
}

absl::Status CheckLength(absl::string_view value, size_t max,
                         absl::string_view field) {
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateIdentifierCount(int count) {
  if (count < 1 || count > kMaxIdentifiersPerContact) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identifiers: need 1 to ", kMaxIdentifiersPerContact, ", got ", count));
  }
  return absl::OkStatus();
}

absl::Status ValidateRegion(absl::string_view region, absl::string_view field) {
  if (region.empty() || (region.size() == 2 && absl::ascii_isupper(region[0]) &&
                         absl::ascii_isupper(region[1]))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, " must be an ISO 3166-1 alpha-2 code such as \"SI\""));
}

absl::StatusOr<policy::ScopeId> ResolvePurpose(
    const policy::PolicyModel& policy, absl::string_view name, bool required) {
  return ResolveScope(policy.FindPurpose(name), name, required, "purpose");
}

absl::StatusOr<policy::ScopeId> ResolveChannel(
    const policy::PolicyModel& policy, absl::string_view name, bool required) {
  return ResolveScope(policy.FindChannel(name), name, required, "channel");
}

absl::Status ValidateIdempotencyKey(absl::string_view key) {
  bool ok = key.size() <= kMaxIdempotencyKeyLength;
  for (char c : key) ok = ok && c > ' ' && c <= '~';
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("idempotency_key: at most ", kMaxIdempotencyKeyLength,
                     " printable ASCII characters without spaces"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEvidence(const consent::v1::Evidence& evidence) {
  if (evidence.collection_method() ==
          consent::v1::COLLECTION_METHOD_UNSPECIFIED ||
      !consent::v1::CollectionMethod_IsValid(evidence.collection_method())) {
    return absl::InvalidArgumentError("evidence.collection_method is required");
  }
  for (absl::Status status :
       {CheckLength(evidence.notice_version(), kMaxNoticeVersionLength,
                    "evidence.notice_version"),
        CheckLength(evidence.evidence_reference(), kMaxEvidenceReferenceLength,
                    "evidence.evidence_reference"),
        CheckLength(evidence.collector(), kMaxCollectorLength,
                    "evidence.collector"),
        CheckLength(evidence.source(), kMaxSourceLength, "evidence.source")}) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> RequestTime(bool has_time,
                                       const google::protobuf::Timestamp& time,
                                       absl::Time now, bool bounded_future,
                                       absl::string_view field) {
  if (!has_time) return now;
  if (time.seconds() < kMinTimestampSeconds ||
      time.seconds() > kMaxTimestampSeconds || time.nanos() < 0 ||
      time.nanos() >= 1'000'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid timestamp"));
  }
  absl::Time at =
      absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  if (bounded_future && at > now + kMaxFutureSkew) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " lies in the future"));
  }
  return at;
}

}  // namespace consentd::core
