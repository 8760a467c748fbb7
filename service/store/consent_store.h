// ConsentStore: the narrow interface between the domain and durable
// storage. Nothing above it speaks SQL, so that a PostgreSQL backend
// (SPEC §11) can take the place of SQLCipher.
//
// Thread-safety: implementations are safe to call from several threads.
#ifndef CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
#define CONSENTD_SERVICE_STORE_CONSENT_STORE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/digest.h"
#include "service/store/fact_record.h"
#include "service/store/list_record.h"

namespace consentd::store {

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  // Appends `facts` in one atomic, durable transaction and returns their
  // new ids, in order. When this returns OK the facts survive a crash or
  // power loss; on error nothing was appended. Errors: UNAVAILABLE (I/O,
  // busy: retry), RESOURCE_EXHAUSTED (disk full), FAILED_PRECONDITION
  // (read-only store), INTERNAL.
  virtual absl::StatusOr<std::vector<int64_t>> AppendFacts(
      absl::Span<const FactRecord> facts) = 0;

  // Calls `visit` for every fact, in id order; stops at the first error
  // `visit` returns and returns it.
  virtual absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const FactSummary&)> visit) = 0;

  // Every fact recorded for `digest`, in the order they occurred.
  virtual absl::StatusOr<std::vector<FactRecord>> FactsFor(
      const crypto::Digest& digest) = 0;

  // Suppression lists. A new version is staged, filled in batches, then
  // published: publishing replaces any list of the same name in one
  // transaction, so a reader sees the old version or the new, never a mix.
  // Staged lists that were never published (a crash, an aborted import)
  // are discarded when the store is opened.

  // Stages a list described by `list` (its name is taken only when it is
  // published) and returns its id.
  virtual absl::StatusOr<int64_t> StageList(const ListRecord& list) = 0;

  // Adds entries to a staged list in one durable transaction; duplicates
  // are ignored.
  virtual absl::Status AppendListEntries(
      int64_t list_id, absl::Span<const crypto::Digest> digests) = 0;

  // Publishes a staged list as `name`, replacing the list of that name if
  // any, and returns it as published (with its distinct entry count).
  virtual absl::StatusOr<ListRecord> PublishList(int64_t list_id,
                                                 const std::string& name,
                                                 int64_t rejected_entries) = 0;

  // Deletes a staged list and its entries.
  virtual absl::Status DiscardStagedList(int64_t list_id) = 0;

  // Deletes the published list `name`. NOT_FOUND when there is none.
  virtual absl::Status DropList(const std::string& name) = 0;

  // Every published list, by name.
  virtual absl::StatusOr<std::vector<ListRecord>> Lists() = 0;

  // Calls `visit` for every entry of a list.
  virtual absl::Status ScanListEntries(
      int64_t list_id,
      absl::FunctionRef<void(const crypto::Digest&)> visit) = 0;

  // Keeps a scrub receipt (its serialized bytes) under its id, durably.
  // ALREADY_EXISTS when the id is taken.
  virtual absl::Status SaveReceipt(const std::string& receipt_id,
                                   const std::string& receipt,
                                   int64_t scrubbed_us) = 0;

  // A kept receipt's bytes. NOT_FOUND when there is none with that id.
  virtual absl::StatusOr<std::string> LoadReceipt(
      const std::string& receipt_id) = 0;

  // Erases a subject: in one durable transaction, deletes every fact of
  // `digests`, appends `tombstones` (the ERASURE facts that keep the subject
  // suppressed) and journals the digests under `request_id`. Returns the
  // tombstones' ids. The deleted rows' old images stay in the WAL until
  // TruncateWal.
  virtual absl::StatusOr<std::vector<int64_t>> EraseFacts(
      absl::Span<const crypto::Digest> digests,
      absl::Span<const FactRecord> tombstones, const std::string& request_id,
      int64_t erased_us) = 0;

  // Rectifies an identifier: in one durable transaction, deletes the
  // consent grants recorded for `from` (they were about the wrong
  // identifier; its refusals stay) and appends `copies` (the subject's
  // facts re-recorded for the identifier that replaces it). Returns the
  // copies' ids, in order.
  virtual absl::StatusOr<std::vector<int64_t>> RectifyFacts(
      const crypto::Digest& from, absl::Span<const FactRecord> copies) = 0;

  // Folds the WAL into the main file and truncates it, so that (with
  // secure_delete) no copy of deleted rows is left in either file.
  virtual absl::Status TruncateWal() = 0;

  // Keeps a data-subject request (its serialized bytes) under its id,
  // replacing what was kept under that id, durably.
  virtual absl::Status SaveRequest(const std::string& request_id, int state,
                                   int64_t due_us,
                                   const std::string& request) = 0;

  // A kept request's bytes. NOT_FOUND when there is none with that id.
  virtual absl::StatusOr<std::string> LoadRequest(
      const std::string& request_id) = 0;

  // Kept requests' bytes in due-date order (then id), after the cursor
  // (after_due_us, after_id), at most `limit`; only `states` when not empty;
  // only those due before `due_before_us` when it is set (non-zero).
  struct RequestQuery {
    std::vector<int> states;
    int64_t due_before_us = 0;
    int64_t after_due_us = std::numeric_limits<int64_t>::min();
    std::string after_id;
    int limit = 100;
  };
  virtual absl::StatusOr<std::vector<std::string>> ListRequests(
      const RequestQuery& query) = 0;

  // The schema version the store is at.
  virtual int schema_version() const = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
