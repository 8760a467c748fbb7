#include "service/core/audit_notary.h"

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "base/log_line.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/audit_verifier.h"

namespace consentd::core {
namespace {

using consent::v1::AuditCheckpoint;

// Why the store does not match its anchor, or "" when it does.
absl::StatusOr<std::string> AnchorMismatch(
    store::AuditTrail& trail, const AuditAnchor& anchor,
    const std::optional<AuditCheckpoint>& anchored,
    const store::AuditHead& head) {
  if (!anchored) {
    if (head.sequence == 0) return std::string();
    return absl::StrCat("the audit anchor ", anchor.path(),
                        " is missing or empty but the store holds ",
                        head.sequence, " audit entries");
  }
  if (anchored->sequence() > head.sequence) {
    return absl::StrCat(
        "the store's audit trail ends at entry ", head.sequence,
        " but its anchor ", anchor.path(), " was signed at entry ",
        anchored->sequence(),
        ": the store was rolled back to an older copy or lost its "
        "write-ahead log");
  }
  if (anchored->sequence() == 0) return std::string();
  std::string held;
  RETURN_IF_ERROR(trail.ScanEntries(
      anchored->sequence(), 1, [&](const store::AuditRecord& entry) {
        held = std::string(crypto::DigestBytes(entry.entry_hash));
        return absl::OkStatus();
      }));
  if (held != anchored->entry_hash()) {
    return absl::StrCat("the store's audit entry ", anchored->sequence(),
                        " differs from the one its anchor ", anchor.path(),
                        " was signed at: the store was replaced or rewritten");
  }
  return std::string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditNotary>> AuditNotary::Open(
    store::AuditTrail* trail, const crypto::CheckpointSigner* signer,
    AuditKeys keys, Clock clock, const AuditNotaryOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<AuditAnchor> anchor,
                   AuditAnchor::Open(options.anchor_path));
  ASSIGN_OR_RETURN(const store::AuditHead head, trail->Head());
  std::optional<AuditCheckpoint> anchored;
  std::string mismatch;
  absl::StatusOr<std::optional<AuditCheckpoint>> read = anchor->Read(keys);
  if (read.ok()) {
    anchored = *std::move(read);
    ASSIGN_OR_RETURN(mismatch, AnchorMismatch(*trail, *anchor, anchored, head));
  } else if (absl::IsDataLoss(read.status())) {
    mismatch = std::string(read.status().message());
  } else {
    return read.status();
  }
  if (mismatch.empty() && options.reanchor) {
    return absl::FailedPreconditionError(
        "--audit-reanchor given, but the store matches its audit anchor: "
        "remove the flag (left set, it would accept a rolled-back store)");
  }
  if (!mismatch.empty() && !options.reanchor) {
    return absl::FailedPreconditionError(absl::StrCat(
        mismatch,
        ". consentd will not serve it: restore the store that matches the "
        "anchor, or, if this store was restored on purpose, start once with "
        "--audit-reanchor (which is audited)"));
  }

  // The chain since its last signed checkpoint: what a crash or a tamperer
  // could have touched since anything vouched for it.
  int64_t from = 1;
  absl::StatusOr<AuditCheckpoint> latest = trail->Checkpoint(0);
  if (latest.ok()) {
    from = latest->sequence();
  } else if (!absl::IsNotFound(latest.status())) {
    return latest.status();
  }
  ASSIGN_OR_RETURN(consent::v1::VerifyAuditResponse tail,
                   VerifyAuditTrail(*trail, keys, std::nullopt, from));
  if (!tail.intact()) {
    return absl::DataLossError(absl::StrCat(
        "the store's audit trail does not verify: ", tail.problem(),
        "; consentd will not serve it (consentctl audit verify on a copy "
        "tells more)"));
  }

  if (!mismatch.empty()) {
    store::AuditDraft draft;
    draft.at_us = absl::ToUnixMicros(clock());
    draft.actor = "consentd";
    draft.action = "audit.reanchored";
    draft.object_ids = {
        absl::StrCat("anchor_sequence:", anchored ? anchored->sequence() : 0),
        absl::StrCat("store_sequence:", head.sequence)};
    RETURN_IF_ERROR(trail->Append(draft).status());
    LogLine(LogLine::kWarning, "audit_reanchored").Add("mismatch", mismatch);
  }
  std::unique_ptr<AuditNotary> notary(
      new AuditNotary(trail, signer, std::move(keys), std::move(clock),
                      std::move(anchor), options.checkpoint_interval));
  // The anchor now vouches for this store as it is, in both slots.
  ASSIGN_OR_RETURN(const store::AuditHead now, trail->Head());
  const AuditCheckpoint checkpoint = notary->Sign(now);
  RETURN_IF_ERROR(trail->SaveCheckpoint(checkpoint));
  {
    absl::MutexLock lock(&notary->mu_);
    RETURN_IF_ERROR(notary->anchor_->Replace(checkpoint));
    notary->anchored_ = checkpoint;
    notary->last_checkpointed_ = now.sequence;
  }
  trail->SetWitness(notary.get());
  notary->checkpointer_ =
      std::thread([n = notary.get()] { n->CheckpointLoop(); });
  return notary;
}

AuditNotary::AuditNotary(store::AuditTrail* trail,
                         const crypto::CheckpointSigner* signer, AuditKeys keys,
                         Clock clock, std::unique_ptr<AuditAnchor> anchor,
                         absl::Duration checkpoint_interval)
    : trail_(trail),
      signer_(signer),
      keys_(std::move(keys)),
      clock_(std::move(clock)),
      checkpoint_interval_(checkpoint_interval),
      anchor_(std::move(anchor)) {}

AuditNotary::~AuditNotary() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (checkpointer_.joinable()) checkpointer_.join();
  trail_->SetWitness(nullptr);
  absl::Status last = Checkpoint().status();
  if (!last.ok()) {
    LogLine(LogLine::kError, "audit_checkpoint_failed")
        .Add("when", "stopping")
        .Add(last);
  }
}

AuditCheckpoint AuditNotary::Sign(const store::AuditHead& head) const {
  AuditCheckpoint checkpoint;
  checkpoint.set_sequence(head.sequence);
  checkpoint.set_entry_hash(std::string(crypto::DigestBytes(head.entry_hash)));
  *checkpoint.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(clock_()));
  signer_->Sign(checkpoint);
  return checkpoint;
}

void AuditNotary::WriteAnchor(const store::AuditHead& head) {
  if (anchored_ && head.sequence < anchored_->sequence()) return;
  AuditCheckpoint checkpoint = Sign(head);
  if (absl::Status written = anchor_->Write(checkpoint); !written.ok()) {
    ++anchor_failures_;
    if (!anchor_failing_) {
      LogLine(LogLine::kError, "audit_anchor_failed")
          .Add(written)
          .Add("retry", "at every commit");
    }
    anchor_failing_ = true;
    return;
  }
  if (anchor_failing_) {
    LogLine(LogLine::kInfo, "audit_anchor_recovered");
    anchor_failing_ = false;
  }
  anchored_ = std::move(checkpoint);
}

void AuditNotary::Committed(const store::AuditHead& head) {
  absl::MutexLock lock(&mu_);
  WriteAnchor(head);
}

absl::StatusOr<AuditCheckpoint> AuditNotary::Checkpoint() {
  // The store is read and written without mu_: a commit holds the store
  // while it waits for mu_ in Committed.
  ASSIGN_OR_RETURN(const store::AuditHead head, trail_->Head());
  bool unchanged;
  {
    absl::MutexLock lock(&mu_);
    unchanged = head.sequence == last_checkpointed_;
  }
  if (unchanged) {
    // Nothing new to vouch for: the kept checkpoint answers, with no store
    // write and no sync, however often an auditor asks.
    absl::StatusOr<AuditCheckpoint> kept = trail_->Checkpoint(0);
    if (kept.ok() && kept->sequence() == head.sequence) return kept;
  }
  AuditCheckpoint checkpoint = Sign(head);
  RETURN_IF_ERROR(trail_->SaveCheckpoint(checkpoint));
  {
    absl::MutexLock lock(&mu_);
    if (!anchored_ || head.sequence >= anchored_->sequence()) {
      RETURN_IF_ERROR(anchor_->Write(checkpoint));
      anchored_ = checkpoint;
    }
  }
  // Synced without mu_, which every commit waits for; only a synced
  // checkpoint counts as taken, so a failed sync is tried again.
  RETURN_IF_ERROR(anchor_->Sync());
  absl::MutexLock lock(&mu_);
  last_checkpointed_ = std::max(last_checkpointed_, head.sequence);
  return checkpoint;
}

absl::StatusOr<consent::v1::VerifyAuditResponse> AuditNotary::Verify() {
  // A caller does not queue behind a running verification, holding a
  // handler thread for as long.
  if (!verify_mu_.TryLock()) {
    return absl::UnavailableError(
        "a verification of the audit trail is running; retry when it is done");
  }
  absl::Cleanup unlock = [this] { verify_mu_.Unlock(); };
  std::optional<AuditCheckpoint> anchored;
  {
    absl::MutexLock lock(&mu_);
    anchored = anchored_;
  }
  return VerifyAuditTrail(*trail_, keys_, anchored);
}

int64_t AuditNotary::anchor_failures() const {
  absl::MutexLock lock(&mu_);
  return anchor_failures_;
}

void AuditNotary::CheckpointLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), checkpoint_interval_);
      if (stopping_) return;
    }
    absl::StatusOr<store::AuditHead> head = trail_->Head();
    bool advanced;
    {
      absl::MutexLock lock(&mu_);
      advanced = head.ok() && head->sequence != last_checkpointed_;
    }
    if (!advanced) continue;
    if (absl::Status kept = Checkpoint().status(); !kept.ok()) {
      LogLine(LogLine::kError, "audit_checkpoint_failed").Add(kept);
    }
  }
}

}  // namespace consentd::core
