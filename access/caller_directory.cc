#include "access/caller_directory.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/text_proto.h"
#include "crypto/digest.h"
#include "crypto/sha256.h"

namespace consentd::access {
namespace {

constexpr size_t kMaxPrincipalLength = 128;
constexpr uint32_t kMostCallsPerSecond = 1'000'000;
constexpr size_t kMaxCredentialLength = 1024;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("access config: ", what));
}

bool IsPrintable(absl::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

absl::Status Validate(const consent::v1::AccessConfig& config) {
  absl::flat_hash_set<std::string> principals;
  absl::flat_hash_set<std::string> credentials;
  int locals = 0;
  for (int i = 0; i < config.callers_size(); ++i) {
    const consent::v1::CallerConfig& caller = config.callers(i);
    const std::string where = absl::StrCat("caller ", i + 1);
    const std::string& principal = caller.principal();
    if (principal.empty() || principal.size() > kMaxPrincipalLength ||
        !IsPrintable(principal)) {
      return Invalid(absl::StrCat(where,
                                  ": principal must be 1-128 printable "
                                  "characters without spaces"));
    }
    if (!principals.insert(principal).second) {
      return Invalid(absl::StrCat(where, ": principal \"", principal,
                                  "\" is named twice"));
    }
    if (caller.roles_size() == 0) {
      return Invalid(absl::StrCat(where, " (", principal, "): no roles"));
    }
    for (const std::string& role : caller.roles()) {
      if (!ParseRole(role).has_value()) {
        return Invalid(absl::StrCat(where, " (", principal,
                                    "): unknown role \"", role, "\""));
      }
    }
    if (caller.max_calls_per_second() > kMostCallsPerSecond) {
      return Invalid(absl::StrCat(where, " (", principal,
                                  "): max_calls_per_second must be at most ",
                                  kMostCallsPerSecond, " (0: no limit)"));
    }
    std::string credential;
    switch (caller.credential_case()) {
      case consent::v1::CallerConfig::kCertificateUri:
        credential = absl::StrCat("uri:", caller.certificate_uri());
        if (caller.certificate_uri().empty()) credential.clear();
        break;
      case consent::v1::CallerConfig::kCertificateCommonName:
        credential = absl::StrCat("cn:", caller.certificate_common_name());
        if (caller.certificate_common_name().empty()) credential.clear();
        break;
      case consent::v1::CallerConfig::kTokenSha256:
        if (!crypto::DigestFromHex(caller.token_sha256()).has_value()) {
          return Invalid(
              absl::StrCat(where, " (", principal,
                           "): token_sha256 must be 64 lower-case hex digits"));
        }
        credential = absl::StrCat("token:", caller.token_sha256());
        break;
      case consent::v1::CallerConfig::kLocal:
        if (!caller.local()) break;
        if (++locals > 1) {
          return Invalid(
              absl::StrCat(where, " (", principal, "): a second local caller"));
        }
        credential = "local";
        break;
      case consent::v1::CallerConfig::CREDENTIAL_NOT_SET:
        break;
    }
    if (credential.empty() || credential.size() > kMaxCredentialLength) {
      return Invalid(absl::StrCat(where, " (", principal,
                                  "): needs one credential: certificate_uri, "
                                  "certificate_common_name, token_sha256 or "
                                  "local"));
    }
    if (!credentials.insert(credential).second) {
      return Invalid(absl::StrCat(where, " (", principal,
                                  "): its credential names another caller "
                                  "too"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

consent::v1::AccessConfig DevelopmentAccess() {
  consent::v1::AccessConfig config;
  consent::v1::CallerConfig* local = config.add_callers();
  local->set_principal("local");
  local->set_local(true);
  for (int i = 0; i < kRoleCount; ++i) {
    local->add_roles(std::string(RoleName(static_cast<Role>(i))));
  }
  config.set_allow_single_officer(true);
  return config;
}

absl::StatusOr<consent::v1::AccessConfig> ParseAccessConfig(
    absl::string_view text) {
  consent::v1::AccessConfig config;
  if (absl::Status parsed = ParseTextProto(text, &config); !parsed.ok()) {
    return Invalid(parsed.message());
  }
  if (absl::Status valid = Validate(config); !valid.ok()) return valid;
  return config;
}

absl::StatusOr<std::unique_ptr<CallerDirectory>> CallerDirectory::Create(
    const consent::v1::AccessConfig& config) {
  if (absl::Status valid = Validate(config); !valid.ok()) return valid;
  std::unique_ptr<CallerDirectory> directory(new CallerDirectory());
  directory->allow_single_officer_ = config.allow_single_officer();
  for (const consent::v1::CallerConfig& caller : config.callers()) {
    auto entry = std::make_unique<Entry>();
    entry->principal = caller.principal();
    for (const std::string& role : caller.roles()) {
      entry->roles.Add(*ParseRole(role));
    }
    if (uint32_t rate = caller.max_calls_per_second(); rate > 0) {
      // A second's worth at once: a caller that was quiet may catch up.
      entry->rate_limit = std::make_unique<TokenBucket>(rate, rate);
      directory->limited_.emplace(entry->principal, entry->rate_limit.get());
    }
    const Entry* e = entry.get();
    directory->entries_.push_back(std::move(entry));
    switch (caller.credential_case()) {
      case consent::v1::CallerConfig::kCertificateUri:
        directory->by_uri_.emplace(caller.certificate_uri(), e);
        break;
      case consent::v1::CallerConfig::kCertificateCommonName:
        directory->by_common_name_.emplace(caller.certificate_common_name(), e);
        break;
      case consent::v1::CallerConfig::kTokenSha256:
        directory->by_token_hash_.emplace(caller.token_sha256(), e);
        break;
      case consent::v1::CallerConfig::kLocal:
        directory->local_ = e;
        break;
      case consent::v1::CallerConfig::CREDENTIAL_NOT_SET:
        break;
    }
  }
  return directory;
}

absl::StatusOr<Caller> CallerDirectory::Identify(
    const Credentials& credentials) const {
  const Entry* entry = nullptr;
  if (!credentials.bearer_token.empty()) {
    auto it = by_token_hash_.find(
        crypto::DigestHex(crypto::Sha256(credentials.bearer_token)));
    if (it == by_token_hash_.end()) {
      return absl::UnauthenticatedError("the bearer token is not known");
    }
    entry = it->second;
  } else if (credentials.verified_certificate) {
    for (const std::string& uri : credentials.certificate_uris) {
      auto it = by_uri_.find(uri);
      if (it != by_uri_.end()) {
        entry = it->second;
        break;
      }
    }
    if (entry == nullptr && credentials.certificate_uris.empty()) {
      auto it = by_common_name_.find(credentials.certificate_common_name);
      if (it != by_common_name_.end()) entry = it->second;
    }
    if (entry == nullptr) {
      return absl::UnauthenticatedError(
          "the client certificate names no known caller");
    }
  } else if (credentials.plaintext && local_ != nullptr) {
    entry = local_;
  } else {
    return absl::UnauthenticatedError(
        "no credentials: present a client certificate or a bearer token");
  }
  return Caller{entry->principal, entry->roles};
}

absl::Status CallerDirectory::ChargeCall(const Caller& caller,
                                         absl::Time now) const {
  if (limited_.empty()) return absl::OkStatus();
  auto it = limited_.find(caller.principal);
  if (it == limited_.end() || it->second->TryTake(now)) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("rate limit: principal ", caller.principal, " may make ",
                   it->second->per_second(), " calls a second; retry later"));
}

}  // namespace consentd::access
