#include "policy/policy_model.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/scope_name.h"
#include "base/text_proto.h"
#include "google/protobuf/util/message_differencer.h"

namespace consentd::policy {
namespace {

using consent::v1::LawfulBasis;

const std::string& EmptyName() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("policy: ", what));
}

absl::Status ValidateWindow(const consent::v1::CallingWindow& window,
                            absl::string_view region) {
  if (window.days_size() == 0) {
    return Invalid(
        absl::StrCat("calling hours for ", region, ": a window names no days"));
  }
  for (int day : window.days()) {
    if (day < consent::v1::WEEKDAY_MONDAY ||
        day > consent::v1::WEEKDAY_SUNDAY) {
      return Invalid(
          absl::StrCat("calling hours for ", region, ": unspecified weekday"));
    }
  }
  if (window.start_minute() < 0 || window.end_minute() > 24 * 60 ||
      window.start_minute() >= window.end_minute()) {
    return Invalid(absl::StrCat(
        "calling hours for ", region,
        ": a window must satisfy 0 <= start_minute < end_minute <= 1440"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PolicyModel> PolicyModel::FromTextProto(absl::string_view text) {
  consent::v1::Policy proto;
  if (absl::Status parsed = ParseTextProto(text, &proto); !parsed.ok()) {
    return Invalid(parsed.message());
  }
  return FromProto(std::move(proto));
}

absl::StatusOr<PolicyModel> PolicyModel::FromProto(consent::v1::Policy proto) {
  if (proto.version().empty()) return Invalid("version is required");
  if (proto.purposes_size() == 0) return Invalid("no purposes");
  if (proto.channels_size() == 0) return Invalid("no channels");
  if (proto.purposes_size() >= 0xFFFF || proto.channels_size() >= 0xFFFF) {
    return Invalid("too many purposes or channels");
  }

  PolicyModel model;
  for (int i = 0; i < proto.purposes_size(); ++i) {
    const consent::v1::Purpose& purpose = proto.purposes(i);
    if (!IsValidScopeName(purpose.name())) {
      return Invalid(absl::StrCat("purpose #", i + 1,
                                  ": name must be 1-64 of [a-z0-9._-]"));
    }
    if (purpose.lawful_basis() == consent::v1::LAWFUL_BASIS_UNSPECIFIED) {
      return Invalid(
          absl::StrCat("purpose ", purpose.name(), ": lawful_basis required"));
    }
    if (purpose.consent_expiry_days() < 0) {
      return Invalid(absl::StrCat("purpose ", purpose.name(),
                                  ": consent_expiry_days is negative"));
    }
    if (!model.purpose_ids_.emplace(purpose.name(), i + 1).second) {
      return Invalid(absl::StrCat("duplicate purpose ", purpose.name()));
    }
  }
  for (int i = 0; i < proto.channels_size(); ++i) {
    const consent::v1::Channel& channel = proto.channels(i);
    if (!IsValidScopeName(channel.name())) {
      return Invalid(absl::StrCat("channel #", i + 1,
                                  ": name must be 1-64 of [a-z0-9._-]"));
    }
    if (!model.channel_ids_.emplace(channel.name(), i + 1).second) {
      return Invalid(absl::StrCat("duplicate channel ", channel.name()));
    }
  }
  for (int method : proto.refusal_lifting_methods()) {
    if (method == consent::v1::COLLECTION_METHOD_UNSPECIFIED ||
        method == consent::v1::COLLECTION_METHOD_BULK_IMPORT) {
      return Invalid(
          "refusal_lifting_methods may not name UNSPECIFIED or BULK_IMPORT");
    }
  }
  if (!proto.default_region().empty() &&
      (proto.default_region().size() != 2 ||
       !absl::ascii_isupper(proto.default_region()[0]) ||
       !absl::ascii_isupper(proto.default_region()[1]))) {
    return Invalid("default_region must be an ISO 3166-1 alpha-2 code");
  }
  if (proto.has_check_time_window()) {
    const consent::v1::CheckTimeWindow& window = proto.check_time_window();
    if (window.max_past_seconds() < 0 || window.max_past_seconds() > 3600) {
      return Invalid("check_time_window.max_past_seconds must be 0-3600");
    }
    if (window.max_future_seconds() < 0 ||
        window.max_future_seconds() > 366 * 24 * 3600) {
      return Invalid(
          "check_time_window.max_future_seconds must be 0-31622400 (366 "
          "days)");
    }
  }
  if (proto.idempotency_window_seconds() != 0 &&
      (proto.idempotency_window_seconds() < 60 ||
       proto.idempotency_window_seconds() > 7 * 24 * 3600)) {
    return Invalid("idempotency_window_seconds must be 60-604800 (7 days)");
  }
  for (const consent::v1::CallingHours& hours : proto.calling_hours()) {
    CallingRule rule;
    if (!absl::LoadTimeZone(hours.time_zone(), &rule.zone)) {
      return Invalid(absl::StrCat("calling hours for ", hours.region(),
                                  ": unknown time zone"));
    }
    for (const consent::v1::CallingWindow& window : hours.windows()) {
      if (absl::Status s = ValidateWindow(window, hours.region()); !s.ok()) {
        return s;
      }
      rule.windows.push_back(window);
    }
    if (!model.calling_rules_.emplace(hours.region(), std::move(rule)).second) {
      return Invalid(
          absl::StrCat("duplicate calling hours for ", hours.region()));
    }
  }
  model.proto_ = std::move(proto);
  return model;
}

bool PolicyModel::SameAs(const PolicyModel& other) const {
  return google::protobuf::util::MessageDifferencer::Equals(proto_,
                                                            other.proto_);
}

absl::Status PolicyModel::CanBeReplacedBy(const PolicyModel& next) const {
  const auto names = [](const auto& scopes) {
    std::vector<std::string> out;
    for (const auto& scope : scopes) out.push_back(scope.name());
    return out;
  };
  const auto changes = [](absl::string_view what, absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat("the new policy changes the ", what, ", ", why));
  };
  constexpr absl::string_view kRestart =
      "which the in-memory index holds by position: restart consentd to take "
      "it (one renamed or removed leaves the facts and lists recorded under "
      "its old name unapplied)";
  constexpr absl::string_view kNever =
      "under which the store's identifiers were digested: the same address "
      "or number would be read as another person, so the store keeps the "
      "one it was created with";
  if (names(proto_.purposes()) != names(next.proto_.purposes())) {
    return changes("purposes or their order", kRestart);
  }
  if (names(proto_.channels()) != names(next.proto_.channels())) {
    return changes("channels or their order", kRestart);
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(
          proto_.email(), next.proto_.email())) {
    return changes("e-mail normalisation", kNever);
  }
  if (proto_.default_region() != next.proto_.default_region()) {
    return changes("default region", kNever);
  }
  if (version() == next.version() && !SameAs(next)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the new policy differs from the one in force but keeps its version ",
        version(), ": give it a version of its own"));
  }
  return absl::OkStatus();
}

std::optional<ScopeId> PolicyModel::FindPurpose(absl::string_view name) const {
  auto it = purpose_ids_.find(name);
  if (it == purpose_ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<ScopeId> PolicyModel::FindChannel(absl::string_view name) const {
  auto it = channel_ids_.find(name);
  if (it == channel_ids_.end()) return std::nullopt;
  return it->second;
}

ScopeId PolicyModel::StoredPurpose(absl::string_view name) const {
  if (name.empty()) return kAnyScope;
  return FindPurpose(name).value_or(kRetiredScope);
}

ScopeId PolicyModel::StoredChannel(absl::string_view name) const {
  if (name.empty()) return kAnyScope;
  return FindChannel(name).value_or(kRetiredScope);
}

const std::string& PolicyModel::PurposeName(ScopeId id) const {
  return id == kAnyScope ? EmptyName() : proto_.purposes(id - 1).name();
}

const std::string& PolicyModel::ChannelName(ScopeId id) const {
  return id == kAnyScope ? EmptyName() : proto_.channels(id - 1).name();
}

LawfulBasis PolicyModel::PurposeBasis(ScopeId purpose) const {
  return proto_.purposes(purpose - 1).lawful_basis();
}

absl::Duration PolicyModel::ConsentExpiry(ScopeId purpose) const {
  int days = proto_.purposes(purpose - 1).consent_expiry_days();
  return days == 0 ? absl::InfiniteDuration() : absl::Hours(24) * days;
}

bool PolicyModel::LiftsRefusal(consent::v1::CollectionMethod method) const {
  const auto& methods = proto_.refusal_lifting_methods();
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

bool PolicyModel::CallingHoursApply(ScopeId channel) const {
  return channel != kAnyScope &&
         proto_.channels(channel - 1).calling_hours_apply();
}

bool PolicyModel::WithinCallingHours(absl::string_view region,
                                     absl::Time at) const {
  auto it = calling_rules_.find(region);
  if (it == calling_rules_.end()) it = calling_rules_.find("*");
  if (it == calling_rules_.end()) return true;
  const CallingRule& rule = it->second;
  absl::CivilSecond local = absl::ToCivilSecond(at, rule.zone);
  // absl::Weekday runs Monday=0..Sunday=6; the policy's Weekday Monday=1.
  int weekday = static_cast<int>(absl::GetWeekday(local)) + 1;
  int minute = local.hour() * 60 + local.minute();
  for (const consent::v1::CallingWindow& window : rule.windows) {
    bool today = std::find(window.days().begin(), window.days().end(),
                           weekday) != window.days().end();
    if (today && minute >= window.start_minute() &&
        minute < window.end_minute()) {
      return true;
    }
  }
  return false;
}

}  // namespace consentd::policy
