// AuditNotary: vouches for the audit chain. After every commit that
// appended entries it signs the chain's new head into the anchor file
// (audit_anchor.h); every `checkpoint_interval`, and when it stops, it also
// keeps a signed checkpoint in the store. At start-up (Open) it refuses a
// store whose chain ends before the anchor or differs from it.
//
// Signing happens while the store is held for the commit (about 50 µs of
// Ed25519 per group commit, not per write), which keeps anchors in commit
// order.
//
// Thread-safety: safe for concurrent use.
#ifndef CONSENTD_SERVICE_CORE_AUDIT_NOTARY_H_
#define CONSENTD_SERVICE_CORE_AUDIT_NOTARY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "consent/v1/audit.pb.h"
#include "crypto/checkpoint_signature.h"
#include "service/core/audit_anchor.h"
#include "service/core/clock.h"
#include "service/store/audit_trail.h"

namespace consentd::core {

struct AuditNotaryOptions {
  // The anchor file; outside the data directory is better (SPEC §7): then
  // a copy of the directory rolled back whole is still found out.
  std::string anchor_path;
  // Accept a store that does not match its anchor (after a deliberate
  // restore): the mismatch is audited ("audit.reanchored") and the anchor
  // rewritten. Refused when the store matches: left set, it would accept
  // the next rollback too.
  bool reanchor = false;
  absl::Duration checkpoint_interval = absl::Minutes(1);
};

class AuditNotary final : public store::AuditWitness {
 public:
  // Checks the store's chain against the anchor and the chain's tail since
  // its last checkpoint, then becomes `trail`'s witness and starts the
  // checkpoint thread. `trail` and `signer` must outlive the notary;
  // `keys` holds every audit public key the keyring knows. Errors:
  // FAILED_PRECONDITION naming the anchor and both sequences when the store
  // is older than the anchor, differs from it, or has entries while the
  // anchor file is missing (without `reanchor`); DATA_LOSS when the chain's
  // tail does not verify or the anchor file does not; store errors.
  static absl::StatusOr<std::unique_ptr<AuditNotary>> Open(
      store::AuditTrail* trail, const crypto::CheckpointSigner* signer,
      AuditKeys keys, Clock clock, const AuditNotaryOptions& options);

  // Stops the thread, keeps a last checkpoint and syncs the anchor; unsets
  // the witness.
  ~AuditNotary();
  AuditNotary(const AuditNotary&) = delete;
  AuditNotary& operator=(const AuditNotary&) = delete;

  // store::AuditWitness: signs `head` into the anchor file.
  void Committed(const store::AuditHead& head) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Signs the chain's head now, keeps the checkpoint in the store and the
  // anchor (synced), and returns it; when no entry came since the last
  // checkpoint, returns that one and writes nothing. Errors: store errors;
  // anchor errors.
  absl::StatusOr<consent::v1::AuditCheckpoint> Checkpoint()
      ABSL_LOCKS_EXCLUDED(mu_);

  // The whole chain verified against every checkpoint and the anchor
  // (audit_verifier.h). Errors: UNAVAILABLE while another verification
  // runs; store errors.
  absl::StatusOr<consent::v1::VerifyAuditResponse> Verify()
      ABSL_LOCKS_EXCLUDED(mu_, verify_mu_);

  // Every audit public key the notary accepts, by key id.
  const AuditKeys& keys() const { return keys_; }

  // Anchor writes that failed since start (each is retried at the next
  // commit; the anchor is then only older than it could be).
  int64_t anchor_failures() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  AuditNotary(store::AuditTrail* trail, const crypto::CheckpointSigner* signer,
              AuditKeys keys, Clock clock, std::unique_ptr<AuditAnchor> anchor,
              absl::Duration checkpoint_interval);

  consent::v1::AuditCheckpoint Sign(const store::AuditHead& head) const;
  // Signs `head` into the anchor; the anchor's newest checkpoint after.
  void WriteAnchor(const store::AuditHead& head)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CheckpointLoop() ABSL_LOCKS_EXCLUDED(mu_);

  store::AuditTrail* const trail_;
  const crypto::CheckpointSigner* const signer_;
  const AuditKeys keys_;
  const Clock clock_;
  const absl::Duration checkpoint_interval_;

  // Verifications read the whole chain: one at a time.
  absl::Mutex verify_mu_;
  mutable absl::Mutex mu_;
  // Written under mu_ (in commit order); synced without it.
  const std::unique_ptr<AuditAnchor> anchor_;
  // What the anchor file holds now.
  std::optional<consent::v1::AuditCheckpoint> anchored_ ABSL_GUARDED_BY(mu_);
  int64_t last_checkpointed_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t anchor_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool anchor_failing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread checkpointer_;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_AUDIT_NOTARY_H_
