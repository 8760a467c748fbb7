// The role table: which roles may call which RPC, the one place that says
// so. A method not in the table is refused to everyone (PERMISSION_DENIED),
// so a new RPC is closed until a line here opens it.
//
// Some RPCs narrow further by what the request asks, in the core: a dialer
// may record withdrawals but not grants; only a collector's grant may lift
// a refusal; completing an erasure and dropping a list take a second
// principal (four eyes).
#ifndef CONSENTD_ACCESS_ROLE_TABLE_H_
#define CONSENTD_ACCESS_ROLE_TABLE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "access/role.h"

namespace consentd::access {

struct MethodAccess {
  // Full gRPC path, "/consent.v1.ConsentService/Check".
  absl::string_view method;
  RoleSet roles;
};

// Every row of the table, in the order of the .proto files.
absl::Span<const MethodAccess> RoleTable();

// The roles that may call `method` (a full path); nullopt when the table
// does not name it.
std::optional<RoleSet> RolesAllowedFor(absl::string_view method);

// True for the methods anyone reaching the port may call, identified or
// not: gRPC's health Check, which load balancers probe. (A health Watch,
// which holds a stream, needs a known caller.)
bool IsOpenToEveryone(absl::string_view method);

}  // namespace consentd::access

#endif  // CONSENTD_ACCESS_ROLE_TABLE_H_
