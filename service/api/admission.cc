#include "service/api/admission.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "access/role_table.h"

namespace consentd::api {
namespace {

// The one method no rate limit refuses (admission.h).
constexpr absl::string_view kRecordObjection =
    "/consent.v1.ConsentService/RecordObjection";

// Monotonic, so that a wall clock set back cannot exhaust a rate limit.
absl::Time MonotonicNow() {
  return absl::UnixEpoch() +
         absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

rpc::Admission MakeAdmission(const access::CallerDirectory* directory) {
  return [directory](absl::string_view method,
                     const rpc::Peer& peer) -> absl::StatusOr<rpc::Caller> {
    if (access::IsOpenToEveryone(method)) return rpc::Caller{};
    access::Credentials credentials;
    credentials.verified_certificate = peer.verified_certificate;
    credentials.certificate_uris = peer.certificate_uris;
    credentials.certificate_common_name = peer.certificate_common_name;
    credentials.bearer_token = peer.bearer_token;
    credentials.plaintext = !peer.tls;
    absl::StatusOr<access::Caller> caller = directory->Identify(credentials);
    if (!caller.ok()) return caller.status();
    std::optional<access::RoleSet> allowed = access::RolesAllowedFor(method);
    if (!allowed.has_value() || !allowed->Intersects(caller->roles)) {
      return absl::PermissionDeniedError(
          absl::StrCat("principal ", caller->principal, " (",
                       caller->roles.ToString(), ") may not call ", method));
    }
    if (directory->has_rate_limits() && method != kRecordObjection) {
      if (absl::Status charged = directory->ChargeCall(*caller, MonotonicNow());
          !charged.ok()) {
        return charged;
      }
    }
    return rpc::Caller{caller->principal, caller->roles.bits()};
  };
}

}  // namespace consentd::api
