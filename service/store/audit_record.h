// The audit trail's records as the store keeps them. Subjects appear only as
// blind-index digests; actors are principals, never people's data.
#ifndef CONSENTD_SERVICE_STORE_AUDIT_RECORD_H_
#define CONSENTD_SERVICE_STORE_AUDIT_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/audit_chain.h"
#include "crypto/digest.h"

namespace consentd::store {

// What a write asks the store to audit, in the write's own transaction.
struct AuditDraft {
  // When the action happened (microseconds since the Unix epoch).
  int64_t at_us = 0;
  // The authenticated principal, or "consentd" for what the service does
  // on its own.
  std::string actor;
  // The roles it held ("privacy_officer", "dialer,campaign").
  std::string role;
  // What happened: "fact.objection", "request.completed", "list.dropped".
  std::string action;
  std::vector<crypto::Digest> subjects;
  // Requests, lists, receipts concerned ("request:<id>", "list:<name>").
  // No id may hold a newline.
  std::vector<std::string> object_ids;
  // For writes that append facts: the ids of this many of the write's
  // facts, taken in order after those of the drafts before it, are added
  // to object_ids as "fact:<id>".
  int fact_count = 0;
};

// One entry of the chain.
struct AuditRecord {
  int64_t sequence = 0;
  int64_t at_us = 0;
  std::string actor;
  std::string role;
  std::string action;
  std::vector<crypto::Digest> subjects;
  std::vector<std::string> object_ids;
  crypto::Digest previous_hash{};
  crypto::Digest entry_hash{};

  crypto::AuditEntryFields Fields() const {
    return {sequence, at_us, actor, role, action, subjects, object_ids};
  }
};

// The chain's last entry; sequence 0 and the genesis hash when empty.
struct AuditHead {
  int64_t sequence = 0;
  crypto::Digest entry_hash = crypto::kAuditGenesisHash;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_AUDIT_RECORD_H_
