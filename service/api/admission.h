// Admission: the rpc::Admission consentd's server puts every call to.
// Identifies the caller from what the transport verified (CallerDirectory)
// and lets the call through only when one of its roles may call the method
// (access/role_table.h). Health checking is open to every connection.
//
// An admitted call then counts against its caller's rate limit
// (CallerConfig max_calls_per_second), but for RecordObjection: a refusal
// to be contacted must get through even when its caller has spent its
// calls on checks (the server's write queue bounds those instead).
//
// Answers: UNAUTHENTICATED when the credentials name no known caller;
// PERMISSION_DENIED when none of the caller's roles may call the method;
// RESOURCE_EXHAUSTED "rate limit: ..." when the call would exceed the
// caller's rate limit. No message holds a token or personal data.
#ifndef CONSENTD_SERVICE_API_ADMISSION_H_
#define CONSENTD_SERVICE_API_ADMISSION_H_

#include "access/caller.h"
#include "access/caller_directory.h"
#include "rpc/peer.h"

namespace consentd::api {

// `directory` must outlive the server.
rpc::Admission MakeAdmission(const access::CallerDirectory* directory);

// The access::Caller an admitted call's rpc::Caller stands for.
inline access::Caller CallerOf(const rpc::Caller& caller) {
  return access::Caller{caller.principal,
                        access::RoleSet::FromBits(caller.roles)};
}

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_ADMISSION_H_
