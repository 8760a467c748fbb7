// Fuzzes PolicyModel::FromTextProto, the loader of the policy file consentd
// starts with. The input is the file's text.
//
// Invariants:
// - an error is INVALID_ARGUMENT and says it is about the policy;
// - a loaded policy has a version, purposes and channels, each named by
//   the id of its place in the policy (FindPurpose, StoredPurpose and
//   PurposeName agree), a lawful basis for each purpose, a non-negative
//   expiry, no refusal-lifting method that may not lift one, and a default
//   region that is empty or a region code;
// - the empty name is "any", a name the policy lacks is retired;
// - the calling hours answer for any region at any time, and a rule
//   without windows allows no calls;
// - the loaded policy printed back as text loads to the same policy.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "consent/v1/policy.pb.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "policy/policy_model.h"

namespace consentd::policy {
namespace {

// Not a valid purpose or channel name, so no policy defines it.
constexpr absl::string_view kUndefinedName = "Not A Name";

void CheckScopes(const PolicyModel& model) {
  const consent::v1::Policy& proto = model.proto();
  for (int i = 0; i < proto.purposes_size(); ++i) {
    const std::string& name = proto.purposes(i).name();
    const ScopeId id = static_cast<ScopeId>(i + 1);
    FUZZ_CHECK(model.FindPurpose(name) == id);
    FUZZ_CHECK(model.StoredPurpose(name) == id);
    FUZZ_CHECK(model.PurposeName(id) == name);
    FUZZ_CHECK(model.PurposeBasis(id) != consent::v1::LAWFUL_BASIS_UNSPECIFIED);
    const absl::Duration expiry = model.ConsentExpiry(id);
    FUZZ_CHECK(expiry > absl::ZeroDuration());
    FUZZ_CHECK((expiry == absl::InfiniteDuration()) ==
               (proto.purposes(i).consent_expiry_days() == 0));
  }
  for (int i = 0; i < proto.channels_size(); ++i) {
    const std::string& name = proto.channels(i).name();
    const ScopeId id = static_cast<ScopeId>(i + 1);
    FUZZ_CHECK(model.FindChannel(name) == id);
    FUZZ_CHECK(model.StoredChannel(name) == id);
    FUZZ_CHECK(model.ChannelName(id) == name);
    FUZZ_CHECK(model.CallingHoursApply(id) ==
               proto.channels(i).calling_hours_apply());
  }
  FUZZ_CHECK(model.channel_count() == proto.channels_size());
  FUZZ_CHECK(!model.FindPurpose("").has_value());
  FUZZ_CHECK(!model.FindChannel("").has_value());
  FUZZ_CHECK(model.StoredPurpose("") == kAnyScope);
  FUZZ_CHECK(model.StoredChannel("") == kAnyScope);
  FUZZ_CHECK(model.PurposeName(kAnyScope).empty());
  FUZZ_CHECK(model.ChannelName(kAnyScope).empty());
  FUZZ_CHECK(!model.CallingHoursApply(kAnyScope));
  FUZZ_CHECK(!model.FindPurpose(kUndefinedName).has_value());
  FUZZ_CHECK(model.StoredPurpose(kUndefinedName) == kRetiredScope);
  FUZZ_CHECK(model.StoredChannel(kUndefinedName) == kRetiredScope);
}

void CheckCallingHours(const PolicyModel& model, size_t seed) {
  const absl::Time times[] = {
      absl::UnixEpoch(),
      absl::FromUnixSeconds(1'790'000'000),  // 2026-09
      absl::FromUnixSeconds(static_cast<int64_t>(seed % 4'000'000'000)),
      absl::InfinitePast(),
      absl::InfiniteFuture(),
  };
  bool has_fallback_rule = false;
  for (const consent::v1::CallingHours& hours : model.proto().calling_hours()) {
    // Region names are free text: "*" is the rule for regions without one.
    if (hours.region() == "*" || hours.region() == kUndefinedName) {
      has_fallback_rule = true;
    }
    for (absl::Time at : times) {
      const bool within = model.WithinCallingHours(hours.region(), at);
      if (hours.windows_size() == 0) FUZZ_CHECK(!within);
    }
  }
  for (absl::Time at : times) {
    const bool within = model.WithinCallingHours(kUndefinedName, at);
    if (!has_fallback_rule) FUZZ_CHECK(within);
  }
}

void CheckLoaded(const PolicyModel& model, size_t seed) {
  const consent::v1::Policy& proto = model.proto();
  FUZZ_CHECK(!model.version().empty());
  FUZZ_CHECK(proto.purposes_size() > 0);
  FUZZ_CHECK(proto.channels_size() > 0);
  FUZZ_CHECK(!model.LiftsRefusal(consent::v1::COLLECTION_METHOD_UNSPECIFIED));
  FUZZ_CHECK(!model.LiftsRefusal(consent::v1::COLLECTION_METHOD_BULK_IMPORT));
  const std::string& region = model.default_region();
  FUZZ_CHECK(region.empty() ||
             (region.size() == 2 && absl::ascii_isupper(region[0]) &&
              absl::ascii_isupper(region[1])));
  CheckScopes(model);
  CheckCallingHours(model, seed);

  std::string text;
  FUZZ_CHECK(google::protobuf::TextFormat::PrintToString(proto, &text));
  absl::StatusOr<PolicyModel> reloaded = PolicyModel::FromTextProto(text);
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
      reloaded->proto(), proto));
  FUZZ_CHECK(PolicyModel::FromProto(proto).ok());
}

}  // namespace
}  // namespace consentd::policy

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<consentd::policy::PolicyModel> model =
      consentd::policy::PolicyModel::FromTextProto(text);
  if (!model.ok()) {
    FUZZ_CHECK(model.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(absl::StartsWith(model.status().message(), "policy: "));
    return 0;
  }
  consentd::policy::CheckLoaded(*model, size * 7919 + (size ? data[0] : 0));
  return 0;
}
