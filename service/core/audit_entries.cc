#include "service/core/audit_entries.h"

#include <algorithm>
#include <string>

#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace consentd::core {

consent::v1::AuditEntry AuditEntryProto(const store::AuditRecord& record) {
  consent::v1::AuditEntry entry;
  entry.set_sequence(record.sequence);
  *entry.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(record.at_us);
  entry.set_actor(record.actor);
  entry.set_role(record.role);
  entry.set_action(record.action);
  for (const crypto::Digest& subject : record.subjects) {
    entry.add_subject_digests(crypto::DigestHex(subject));
  }
  for (const std::string& id : record.object_ids) entry.add_object_ids(id);
  entry.set_entry_hash(std::string(crypto::DigestBytes(record.entry_hash)));
  entry.set_previous_hash(
      std::string(crypto::DigestBytes(record.previous_hash)));
  return entry;
}

absl::StatusOr<std::vector<consent::v1::AuditEntry>> ReadAuditEntries(
    store::AuditTrail& trail, int64_t from_sequence, int64_t max) {
  std::vector<consent::v1::AuditEntry> entries;
  RETURN_IF_ERROR(
      trail.ScanEntries(std::max<int64_t>(from_sequence, 1),
                        std::clamp<int64_t>(max, 0, kAuditEntriesPerPage),
                        [&](const store::AuditRecord& record) {
                          entries.push_back(AuditEntryProto(record));
                          return absl::OkStatus();
                        }));
  return entries;
}

}  // namespace consentd::core
