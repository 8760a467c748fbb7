// Scrubber: scrubs campaign lists and keeps their receipts.
//
// A Session decides each row as Check would (same index, lists and policy,
// one purpose, channel and time for the whole list), folds the row into the
// list digest and the per-reason counts as it passes, and on Finish signs a
// receipt (Ed25519, key from the keyring) and keeps it in the store. Rows
// are never kept: the receipt proves what was decided without holding the
// list.
//
// Thread-safety: Scrubber is safe for concurrent use; one Session is used
// by one thread.
#ifndef CONSENTD_SERVICE_CORE_SCRUBBER_H_
#define CONSENTD_SERVICE_CORE_SCRUBBER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "access/caller.h"
#include "consent/v1/scrub.pb.h"
#include "crypto/list_digest.h"
#include "crypto/receipt_signature.h"
#include "policy/policy_model.h"
#include "service/core/clock.h"
#include "service/core/contact_checker.h"
#include "service/core/live_policy.h"
#include "service/core/worker_pool.h"
#include "service/store/receipt_store.h"

namespace consentd::core {

inline constexpr int64_t kMaxScrubRows = 100'000'000;
inline constexpr int kMaxScrubRowsPerMessage = 1'000;
inline constexpr size_t kMaxListNameLength = 128;

class Scrubber {
 public:
  class Session;

  // Every pointer must outlive the scrubber and its sessions.
  // The rows of each message are decided in slices on `workers`.
  // Receipts are signed with `signing_seeds`' first (the newest); the
  // others' public keys still verify what they signed.
  Scrubber(const ContactChecker* checker, const LivePolicy* policy,
           store::ReceiptStore* store, WorkerPool* workers,
           absl::Span<const crypto::SecretKey> signing_seeds, Clock clock);

  // Starts a scrub for `caller`, whose principal the receipt (and its
  // audit entry) names. Errors:
  // INVALID_ARGUMENT for a missing or unknown purpose or channel, a bad
  // region, time or list name.
  absl::StatusOr<std::unique_ptr<Session>> Begin(
      const consent::v1::ScrubHeader& header,
      const access::Caller& caller) const;

  // A kept receipt. Errors: NOT_FOUND; DATA_LOSS when the stored bytes do
  // not parse.
  absl::StatusOr<consent::v1::ScrubReceipt> Receipt(
      const std::string& receipt_id) const;

  // The key receipts are signed with.
  const consent::v1::ReceiptKey& receipt_key() const { return signer_.key(); }
  // The key with id `key_id`, this one or an older one. NOT_FOUND when the
  // keyring holds none with that id.
  absl::StatusOr<consent::v1::ReceiptKey> ReceiptKey(
      absl::string_view key_id) const;

  // Rows decided by every session since start (their rate is scrub rows/s).
  int64_t rows_decided() const { return rows_decided_.load(); }

 private:
  const ContactChecker* const checker_;
  const LivePolicy* const policy_;
  store::ReceiptStore* const store_;
  WorkerPool* const workers_;
  const crypto::ReceiptSigner signer_;
  // Every key's public half, the signing one included.
  std::vector<consent::v1::ReceiptKey> keys_;
  const Clock clock_;
  mutable std::atomic<int64_t> rows_decided_ = 0;
};

class Scrubber::Session {
 public:
  // Decides the next rows of the list, appending one result per row to
  // `results`, in order. A row without identifiers is DENY
  // INVALID_IDENTIFIER. Errors: INVALID_ARGUMENT, with nothing decided or
  // counted, for an empty message or one over kMaxScrubRowsPerMessage rows,
  // a row over the bounds (row id, identifiers) or rows past kMaxScrubRows;
  // the scrub should then be abandoned.
  absl::Status Decide(const consent::v1::ScrubRows& rows,
                      consent::v1::ScrubRowResults* results);

  // Signs, keeps and returns the receipt. Call once. Errors: store errors.
  absl::StatusOr<consent::v1::ScrubReceipt> Finish();

 private:
  friend class Scrubber;
  Session(const Scrubber* scrubber, const consent::v1::ScrubHeader& header,
          PolicySnapshot policy, const policy::CheckQuery& query,
          const access::Caller& caller, SuppressionLists::Snapshot lists);

  absl::Status Validate(const consent::v1::ScrubRows& rows) const;
  // Decides rows [begin, end) into results [first + begin, first + end).
  // Safe to call for disjoint slices at once.
  void DecideSlice(const consent::v1::ScrubRows& rows, int begin, int end,
                   consent::v1::ScrubRowResults* results, int first) const;
  // Folds a decided row into the digest and the counts, in list order.
  void Count(const consent::v1::ScrubRow& row,
             const consent::v1::ScrubRowResult& result);

  const Scrubber* const scrubber_;
  const consent::v1::ScrubHeader header_;
  // The policy in force when the scrub began: every row is decided by it,
  // and the receipt names it.
  const PolicySnapshot policy_;
  const policy::CheckQuery query_;
  const std::string caller_;
  const std::string caller_roles_;
  // The lists every row is decided against, as they stood when the scrub
  // began; the receipt names them.
  const SuppressionLists::Snapshot lists_;
  crypto::ListDigest digest_;
  int64_t rows_ = 0;
  int64_t allowed_ = 0;
  std::map<consent::v1::DecisionReason, int64_t> by_reason_;
  bool finished_ = false;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_SCRUBBER_H_
