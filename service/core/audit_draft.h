// AuditDraftOf: the audit entry a core write asks its store to append, in
// the write's own transaction (store/audit_trail.h).
#ifndef CONSENTD_SERVICE_CORE_AUDIT_DRAFT_H_
#define CONSENTD_SERVICE_CORE_AUDIT_DRAFT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "access/caller.h"
#include "service/store/audit_record.h"

namespace consentd::core {

// `action` ("fact.objection", "request.completed", ...) by `caller` at `at`;
// the caller of the function adds subjects and object ids.
inline store::AuditDraft AuditDraftOf(const access::Caller& caller,
                                      absl::string_view action, absl::Time at) {
  store::AuditDraft draft;
  draft.at_us = absl::ToUnixMicros(at);
  draft.actor = std::string(caller.principal);
  draft.role = caller.roles.ToString();
  draft.action = std::string(action);
  return draft;
}

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_AUDIT_DRAFT_H_
