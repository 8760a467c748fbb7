// CallerDirectory: AccessConfig made searchable. Maps the credentials a
// call arrived with (a verified client certificate, a bearer token, or none
// on a plain-text loopback listener) to the principal and roles the config
// gives them.
//
// Only what the transport verified counts: a certificate's names are
// trusted because TLS checked its chain against the client CA; a token
// because its SHA-256 is in the config. Nothing the caller types in a
// request names it.
//
// It also keeps each caller's rate limit (CallerConfig
// max_calls_per_second), which ChargeCall spends.
//
// Thread-safety: immutable once built but for the rate limits' buckets,
// which are lock-free; every method may be called from any thread.
#ifndef CONSENTD_ACCESS_CALLER_DIRECTORY_H_
#define CONSENTD_ACCESS_CALLER_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "access/caller.h"
#include "access/token_bucket.h"
#include "consent/v1/access.pb.h"

namespace consentd::access {

// What the transport established about a call.
struct Credentials {
  // TLS with a client certificate that verified against the client CA.
  bool verified_certificate = false;
  // That certificate's URI subject alternative names, and its subject CN.
  absl::Span<const std::string> certificate_uris;
  absl::string_view certificate_common_name;
  // From "authorization: Bearer TOKEN"; empty when absent.
  absl::string_view bearer_token;
  // The call came over a plain-text connection (loopback only).
  bool plaintext = false;
};

// The AccessConfig for development: every plain-text loopback caller is
// principal "local" with every role, and one officer may complete an
// erasure alone. consentd uses it only without --access.
consent::v1::AccessConfig DevelopmentAccess();

// Parses and validates an AccessConfig in protobuf text format. Errors:
// INVALID_ARGUMENT naming the first problem (syntax with its line, an
// unknown role, a duplicate principal or credential, a malformed token
// hash, a caller without roles or credential, more than one local caller).
absl::StatusOr<consent::v1::AccessConfig> ParseAccessConfig(
    absl::string_view text);

class CallerDirectory {
 public:
  // Errors: INVALID_ARGUMENT as ParseAccessConfig, for a config built in
  // code.
  static absl::StatusOr<std::unique_ptr<CallerDirectory>> Create(
      const consent::v1::AccessConfig& config);

  // The caller these credentials name. A bearer token, when present, is the
  // identity (and must be known); otherwise a verified certificate (the
  // first of its URI names that is known, or for a certificate without URI
  // names its CN); otherwise, on plain text, the local caller. Errors:
  // UNAUTHENTICATED when the credentials name no known caller; the message says
  // which kind of credential failed, never the token or certificate names.
  absl::StatusOr<Caller> Identify(const Credentials& credentials) const;

  // Counts one call of `caller` (as Identify returned it) at `now` against
  // the caller's rate limit. `now` comes from a monotonic clock. OK within
  // the limit, or for a caller without one; RESOURCE_EXHAUSTED "rate
  // limit: ..." (naming the principal and its limit, nothing else) when the
  // call would exceed it, which then counts for nothing.
  absl::Status ChargeCall(const Caller& caller, absl::Time now) const;
  // True when any caller has a rate limit; without, ChargeCall is always OK.
  bool has_rate_limits() const { return !limited_.empty(); }

  // False when erasure completion and DropList need a second principal.
  bool allow_single_officer() const { return allow_single_officer_; }

  // True when some caller may use a plain-text (loopback) connection.
  bool has_local_caller() const { return local_ != nullptr; }

 private:
  struct Entry {
    std::string principal;
    RoleSet roles;
    std::unique_ptr<TokenBucket> rate_limit;  // null: no limit
  };
  CallerDirectory() = default;

  std::vector<std::unique_ptr<Entry>> entries_;
  absl::flat_hash_map<std::string, const Entry*> by_uri_;
  absl::flat_hash_map<std::string, const Entry*> by_common_name_;
  absl::flat_hash_map<std::string, const Entry*> by_token_hash_;
  // The callers with a rate limit, by principal (views of their Entry's).
  absl::flat_hash_map<absl::string_view, TokenBucket*> limited_;
  const Entry* local_ = nullptr;
  bool allow_single_officer_ = false;
};

}  // namespace consentd::access

#endif  // CONSENTD_ACCESS_CALLER_DIRECTORY_H_
