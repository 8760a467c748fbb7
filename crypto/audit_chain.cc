#include "crypto/audit_chain.h"

#include "absl/strings/str_cat.h"
#include "crypto/sha256.h"

namespace consentd::crypto {
namespace {

void AppendUint64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void AppendField(absl::string_view field, std::string& out) {
  AppendUint64(field.size(), out);
  out.append(field.data(), field.size());
}

}  // namespace

Digest AuditEntryHash(const Digest& previous, const AuditEntryFields& entry) {
  std::string bytes = "consentd audit entry v1";
  absl::StrAppend(&bytes, DigestBytes(previous));
  AppendUint64(static_cast<uint64_t>(entry.sequence), bytes);
  AppendUint64(static_cast<uint64_t>(entry.at_us), bytes);
  AppendField(entry.actor, bytes);
  AppendField(entry.role, bytes);
  AppendField(entry.action, bytes);
  AppendUint64(entry.subjects.size(), bytes);
  for (const Digest& subject : entry.subjects)
    absl::StrAppend(&bytes, DigestBytes(subject));
  AppendUint64(entry.object_ids.size(), bytes);
  for (const std::string& id : entry.object_ids) AppendField(id, bytes);
  return Sha256(bytes);
}

}  // namespace consentd::crypto
