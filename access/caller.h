// Caller: who an admitted call is from, as its credentials proved.
#ifndef CONSENTD_ACCESS_CALLER_H_
#define CONSENTD_ACCESS_CALLER_H_

#include "absl/strings/string_view.h"
#include "access/role.h"

namespace consentd::access {

struct Caller {
  // The principal AccessConfig names; recorded on what the caller does.
  // Points into the CallerDirectory, which outlives every call.
  absl::string_view principal;
  RoleSet roles;
};

}  // namespace consentd::access

#endif  // CONSENTD_ACCESS_CALLER_H_
