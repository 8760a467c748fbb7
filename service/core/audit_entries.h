// The audit trail's entries as the API shows them (consent.v1.AuditEntry),
// read a page at a time so that the store is never held while a reader
// sends them on.
#ifndef CONSENTD_SERVICE_CORE_AUDIT_ENTRIES_H_
#define CONSENTD_SERVICE_CORE_AUDIT_ENTRIES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "consent/v1/audit.pb.h"
#include "service/store/audit_trail.h"

namespace consentd::core {

// Entries a ListAuditEntries call returns when it names no maximum, and
// the most one call returns.
inline constexpr int64_t kMaxAuditEntriesPerCall = 100'000;
// Entries read from the store per page.
inline constexpr int64_t kAuditEntriesPerPage = 500;

consent::v1::AuditEntry AuditEntryProto(const store::AuditRecord& record);

// At most `max` entries (up to kAuditEntriesPerPage) from `from_sequence`
// on, in sequence order. Errors: store errors.
absl::StatusOr<std::vector<consent::v1::AuditEntry>> ReadAuditEntries(
    store::AuditTrail& trail, int64_t from_sequence, int64_t max);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_AUDIT_ENTRIES_H_
