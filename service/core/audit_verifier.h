// VerifyAuditTrail: recomputes the audit chain and checks it against every
// signed checkpoint and the anchor, naming the first entry that is wrong.
//
// What each kind of tampering looks like to it:
//   * an entry edited in place: its hash no longer matches its content;
//   * an entry deleted: a gap in the sequence;
//   * entries reordered: an entry's previous hash is not its predecessor's;
//   * entries rewritten with hashes recomputed by someone who can write the
//     store but not sign: a signed checkpoint no longer matches, and the
//     first entry after the last checkpoint that does is named (whoever
//     holds the whole keyring can also re-sign; only checkpoints kept away
//     from the server, `consentctl audit verify --checkpoint`, catch that);
//   * the tail truncated, or the store rolled back: a checkpoint or the
//     anchor covers entries the store no longer holds.
#ifndef CONSENTD_SERVICE_CORE_AUDIT_VERIFIER_H_
#define CONSENTD_SERVICE_CORE_AUDIT_VERIFIER_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "consent/v1/audit.pb.h"
#include "service/core/audit_anchor.h"
#include "service/store/audit_trail.h"

namespace consentd::core {

// Verifies the entries from `from_sequence` on (the chain before it is
// trusted: from a checkpoint that verified, or 1 for all), every kept
// checkpoint at or after it, and `anchor` when given. Reads the store in
// pages, so writes go on meanwhile; entries appended during the run past
// where it started are not checked. Errors: store errors only; what is
// wrong with the chain is in the response.
absl::StatusOr<consent::v1::VerifyAuditResponse> VerifyAuditTrail(
    store::AuditTrail& trail, const AuditKeys& keys,
    const std::optional<consent::v1::AuditCheckpoint>& anchor,
    int64_t from_sequence = 1);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_AUDIT_VERIFIER_H_
