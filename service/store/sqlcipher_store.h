// SqlcipherStore: ConsentStore on an encrypted SQLCipher file.
//
// Every connection is keyed first (raw 32-byte key, no passphrase KDF), then
// put in WAL mode with synchronous=FULL (a commit is on disk before it is
// acknowledged), a checkpoint per 10,000 WAL pages, a 16 MiB page cache,
// secure_delete=ON and foreign keys on, then migrated to the latest schema.
// Files are opened through BatchedWalVfs, so each commit's WAL frames reach
// the file in one write. A lock file next to the database keeps a second
// consentd off the same store.
//
// Thread-safety: all methods may be called concurrently; they are
// serialised on one connection.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_

#include <sqlcipher/sqlite3.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/secret_key.h"
#include "service/store/consent_store.h"

namespace consentd::store {

class Statement;

class SqlcipherStore final : public ConsentStore {
 public:
  // Opens (creating if absent) the store at `path` with `key` and migrates
  // it. Errors: FAILED_PRECONDITION when the file cannot be read with `key`
  // or is not a database ("wrong key or not a consentd database"), when its
  // schema is newer than this build, when another process holds it, or when
  // it cannot be opened; DATA_LOSS when corrupt; UNAVAILABLE on I/O errors.
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>> Open(
      const std::string& path, const crypto::SecretKey& key);

  // For tests that must read the raw bytes of the files (erasure leaves no
  // plaintext): the same store without encryption. Never for real data.
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>>
  OpenUnencryptedForTesting(const std::string& path);

  ~SqlcipherStore() override;

  absl::StatusOr<std::vector<int64_t>> AppendFacts(
      absl::Span<const FactRecord> facts) override;
  absl::Status ScanFacts(
      absl::FunctionRef<absl::Status(const FactSummary&)> visit) override;
  absl::StatusOr<std::vector<FactRecord>> FactsFor(
      const crypto::Digest& digest) override;
  absl::StatusOr<int64_t> StageList(const ListRecord& list) override;
  absl::Status AppendListEntries(
      int64_t list_id, absl::Span<const crypto::Digest> digests) override;
  absl::StatusOr<ListRecord> PublishList(int64_t list_id,
                                         const std::string& name,
                                         int64_t rejected_entries) override;
  absl::Status DiscardStagedList(int64_t list_id) override;
  absl::Status DropList(const std::string& name) override;
  absl::StatusOr<std::vector<ListRecord>> Lists() override;
  absl::Status ScanListEntries(
      int64_t list_id,
      absl::FunctionRef<void(const crypto::Digest&)> visit) override;
  absl::Status SaveReceipt(const std::string& receipt_id,
                           const std::string& receipt,
                           int64_t scrubbed_us) override;
  absl::StatusOr<std::string> LoadReceipt(
      const std::string& receipt_id) override;
  absl::StatusOr<std::vector<int64_t>> EraseFacts(
      absl::Span<const crypto::Digest> digests,
      absl::Span<const FactRecord> tombstones, const std::string& request_id,
      int64_t erased_us) override;
  absl::StatusOr<std::vector<int64_t>> RectifyFacts(
      const crypto::Digest& from, absl::Span<const FactRecord> copies) override;
  absl::Status TruncateWal() override;
  absl::Status SaveRequest(const std::string& request_id, int state,
                           int64_t due_us, const std::string& request) override;
  absl::StatusOr<std::string> LoadRequest(
      const std::string& request_id) override;
  absl::StatusOr<std::vector<std::string>> ListRequests(
      const RequestQuery& query) override;
  int schema_version() const override { return schema_version_; }

 private:
  struct Prepared;

  SqlcipherStore(sqlite3* db, std::unique_ptr<Prepared> prepared, int lock_fd,
                 int schema_version);

  // Open and OpenUnencryptedForTesting; no key when `key` is null.
  static absl::StatusOr<std::unique_ptr<SqlcipherStore>> OpenWith(
      const std::string& path, const crypto::SecretKey* key);

  // Runs `body` in one IMMEDIATE transaction: committed when it returns OK,
  // rolled back otherwise.
  absl::Status InTransaction(absl::string_view context,
                             absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // In one transaction: runs `before` (what the write deletes or journals),
  // then appends `facts`; returns their ids, in order.
  absl::StatusOr<std::vector<int64_t>> WriteFacts(
      absl::string_view context, absl::FunctionRef<absl::Status()> before,
      absl::Span<const FactRecord> facts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  // What every group commit runs, prepared once: preparing the 16-column
  // insert for each commit cost it about as much as one of its facts, and
  // sqlite3_exec parses BEGIN and COMMIT anew on every call.
  const std::unique_ptr<Prepared> prepared_ ABSL_PT_GUARDED_BY(mu_);
  const int lock_fd_;
  const int schema_version_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_STORE_H_
