#include "service/core/audit_verifier.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/audit_chain.h"
#include "crypto/checkpoint_signature.h"

namespace consentd::core {
namespace {

using consent::v1::AuditCheckpoint;
using consent::v1::VerifyAuditResponse;

// Entries read per store call: each call holds the store only briefly.
constexpr int64_t kPageSize = 1000;

std::string HashBytes(const crypto::Digest& hash) {
  return std::string(crypto::DigestBytes(hash));
}

// Walks the chain once, failing at the first thing wrong.
class ChainWalk {
 public:
  ChainWalk(const AuditKeys& keys, const std::optional<AuditCheckpoint>& anchor)
      : keys_(keys), anchor_(anchor) {}

  bool failed() const { return !response_.intact(); }
  VerifyAuditResponse& response() { return response_; }

  void Start(int64_t sequence, const crypto::Digest& previous) {
    response_.set_intact(true);
    expected_ = sequence;
    last_good_checkpoint_ = sequence - 1;
    previous_ = previous;
  }
  int64_t expected() const { return expected_; }

  void Entry(const store::AuditRecord& entry,
             const std::vector<AuditCheckpoint>& checkpoints) {
    if (entry.sequence != expected_) {
      return Fail(expected_, absl::StrCat("entry ", expected_,
                                          " is missing (the sequence jumps to ",
                                          entry.sequence, ")"));
    }
    if (entry.previous_hash != previous_) {
      return Fail(entry.sequence,
                  absl::StrCat("entry ", entry.sequence,
                               " does not follow entry ", entry.sequence - 1,
                               ": entries were removed or reordered"));
    }
    const crypto::Digest hash =
        crypto::AuditEntryHash(previous_, entry.Fields());
    if (hash != entry.entry_hash) {
      return Fail(entry.sequence,
                  absl::StrCat("entry ", entry.sequence,
                               " was altered: its hash does not match its "
                               "content"));
    }
    for (const AuditCheckpoint& checkpoint : checkpoints) {
      if (checkpoint.sequence() == entry.sequence) {
        Checkpoint(checkpoint, hash, "signed checkpoint");
        if (failed()) return;
      }
    }
    if (anchor_ && anchor_->sequence() == entry.sequence) {
      Checkpoint(*anchor_, hash, "anchor file's checkpoint");
      if (failed()) return;
    }
    previous_ = hash;
    ++expected_;
    response_.set_entries_verified(response_.entries_verified() + 1);
  }

  // A checkpoint past `last`, the store's last entry.
  void PastEnd(const AuditCheckpoint& checkpoint, int64_t last,
               absl::string_view what) {
    Fail(last + 1,
         absl::StrCat("the ", what, " covers entry ", checkpoint.sequence(),
                      " but the store ends at entry ", last,
                      ": entries were truncated, or the store was rolled back "
                      "or lost its write-ahead log"));
  }

 private:
  void Checkpoint(const AuditCheckpoint& checkpoint, const crypto::Digest& hash,
                  absl::string_view what) {
    auto key = keys_.find(checkpoint.key_id());
    if (key == keys_.end()) {
      return Fail(
          checkpoint.sequence(),
          absl::StrCat("the ", what, " at entry ", checkpoint.sequence(),
                       " is signed with a key the keyring does not "
                       "hold (key id ",
                       checkpoint.key_id(), ")"));
    }
    if (!crypto::VerifyCheckpoint(checkpoint, key->second).ok()) {
      return Fail(
          checkpoint.sequence(),
          absl::StrCat("the ", what, " at entry ", checkpoint.sequence(),
                       " was altered: its signature does not verify"));
    }
    if (checkpoint.entry_hash() != HashBytes(hash)) {
      return Fail(last_good_checkpoint_ + 1,
                  absl::StrCat("entries after ", last_good_checkpoint_,
                               " were rewritten: the ", what, " at entry ",
                               checkpoint.sequence(), " does not match them"));
    }
    last_good_checkpoint_ = checkpoint.sequence();
    response_.set_checkpoints_verified(response_.checkpoints_verified() + 1);
  }

  void Fail(int64_t sequence, std::string problem) {
    response_.set_intact(false);
    response_.set_first_bad_sequence(sequence);
    response_.set_problem(std::move(problem));
  }

  const AuditKeys& keys_;
  const std::optional<AuditCheckpoint>& anchor_;
  VerifyAuditResponse response_;
  int64_t expected_ = 1;
  int64_t last_good_checkpoint_ = 0;
  crypto::Digest previous_ = crypto::kAuditGenesisHash;
};

}  // namespace

absl::StatusOr<VerifyAuditResponse> VerifyAuditTrail(
    store::AuditTrail& trail, const AuditKeys& keys,
    const std::optional<AuditCheckpoint>& anchor, int64_t from_sequence) {
  from_sequence = std::max<int64_t>(from_sequence, 1);
  ASSIGN_OR_RETURN(const store::AuditHead head, trail.Head());
  crypto::Digest previous = crypto::kAuditGenesisHash;
  if (from_sequence > 1) {
    RETURN_IF_ERROR(trail.ScanEntries(from_sequence - 1, 1,
                                      [&](const store::AuditRecord& entry) {
                                        previous = entry.entry_hash;
                                        return absl::OkStatus();
                                      }));
  }
  ChainWalk walk(keys, anchor);
  walk.Start(from_sequence, previous);

  while (!walk.failed() && walk.expected() <= head.sequence) {
    const int64_t first = walk.expected();
    const int64_t last = std::min(head.sequence, first + kPageSize - 1);
    // Each page is copied out and checked with the store released: hashing
    // and signature checks must not hold up writes.
    std::vector<AuditCheckpoint> checkpoints;
    RETURN_IF_ERROR(trail.ScanCheckpoints(
        first, last, [&](const AuditCheckpoint& checkpoint) {
          checkpoints.push_back(checkpoint);
          return absl::OkStatus();
        }));
    std::vector<store::AuditRecord> entries;
    RETURN_IF_ERROR(trail.ScanEntries(first, last - first + 1,
                                      [&](const store::AuditRecord& entry) {
                                        if (entry.sequence <= last)
                                          entries.push_back(entry);
                                        return absl::OkStatus();
                                      }));
    for (const store::AuditRecord& entry : entries) {
      if (walk.failed()) break;
      walk.Entry(entry, checkpoints);
    }
    if (!walk.failed() && walk.expected() <= last) {
      // The page ended early: the entries up to `last` are missing.
      store::AuditRecord missing;
      missing.sequence = last + 1;
      walk.Entry(missing, checkpoints);
    }
    if (entries.empty()) break;
  }
  if (walk.failed()) return std::move(walk.response());

  // Checkpoints kept meanwhile cover entries appended after `head` was
  // read: only one past the store's end as it is now is out of place.
  ASSIGN_OR_RETURN(const store::AuditHead now, trail.Head());
  std::optional<AuditCheckpoint> past_end;
  RETURN_IF_ERROR(trail.ScanCheckpoints(now.sequence + 1,
                                        std::numeric_limits<int64_t>::max(),
                                        [&](const AuditCheckpoint& checkpoint) {
                                          if (!past_end) past_end = checkpoint;
                                          return absl::OkStatus();
                                        }));
  if (past_end) {
    walk.PastEnd(*past_end, now.sequence, "signed checkpoint");
  } else if (anchor && anchor->sequence() > now.sequence) {
    walk.PastEnd(*anchor, now.sequence, "anchor file's checkpoint");
  }
  return std::move(walk.response());
}

}  // namespace consentd::core
