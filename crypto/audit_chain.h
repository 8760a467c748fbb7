// The audit trail's hash chain: each entry's hash covers the previous
// entry's hash and the entry's own fields, so editing, removing or
// reordering an entry breaks every hash after it. Every store backend
// computes hashes with this one function, so a chain written by one
// verifies with another.
#ifndef CONSENTD_CRYPTO_AUDIT_CHAIN_H_
#define CONSENTD_CRYPTO_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/digest.h"

namespace consentd::crypto {

// What an entry's hash covers.
struct AuditEntryFields {
  int64_t sequence = 0;
  int64_t at_us = 0;
  absl::string_view actor;
  absl::string_view role;
  absl::string_view action;
  absl::Span<const Digest> subjects;
  absl::Span<const std::string> object_ids;
};

// The hash of the entry before the first.
inline constexpr Digest kAuditGenesisHash{};

// SHA-256 of a domain tag, `previous` and `entry`'s fields, each
// length-prefixed (big-endian), so no two different entries encode alike.
Digest AuditEntryHash(const Digest& previous, const AuditEntryFields& entry);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_AUDIT_CHAIN_H_
