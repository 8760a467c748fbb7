// SqlcipherConnection: the one SQLCipher connection a store's tables share,
// opened, keyed, configured and migrated, and handed to one user at a time.
//
// Opening: a lock file next to the database keeps a second consentd off the
// same store; the connection is keyed first (raw 32-byte key, no passphrase
// KDF), then put in WAL mode with synchronous=FULL (a commit is on disk
// before it is acknowledged), a checkpoint per 10,000 WAL pages, a 16 MiB
// page cache, secure_delete=ON and foreign keys on, then migrated to the
// latest schema (schema.h).
//
// Thread-safety: safe to share. A Session holds the connection exclusively;
// every statement is prepared, stepped and reset within one.
#ifndef CONSENTD_SERVICE_STORE_SQLCIPHER_CONNECTION_H_
#define CONSENTD_SERVICE_STORE_SQLCIPHER_CONNECTION_H_

#include <sqlcipher/sqlite3.h>

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "crypto/secret_key.h"
#include "service/store/consent_store.h"
#include "service/store/statement.h"

namespace consentd::store {

class SqlcipherConnection {
 public:
  // Opens (creating if absent) the database at `path`, keyed with `key`, or
  // unencrypted when `key` is null (tests that read the files' raw bytes;
  // never for real data), and migrates it. Errors: FAILED_PRECONDITION
  // when the file cannot be read with `key` or is not a database ("wrong
  // key or not a consentd database"), when its schema is newer than this
  // build, when another process holds it, when it cannot be opened, or
  // when SQLite does not confirm WAL mode and synchronous=FULL; DATA_LOSS
  // when corrupt; UNAVAILABLE on I/O errors.
  static absl::StatusOr<std::unique_ptr<SqlcipherConnection>> Open(
      const std::string& path, const crypto::SecretKey* key);

  // Folds the WAL back into the main file (a stopped store is one file),
  // closes the connection and releases the lock file. Every Statement
  // prepared on it must be gone by then.
  ~SqlcipherConnection();

  SqlcipherConnection(const SqlcipherConnection&) = delete;
  SqlcipherConnection& operator=(const SqlcipherConnection&) = delete;

  int schema_version() const { return schema_version_; }

  // Re-encrypts the database from `current` to `next` (SQLCipher's PRAGMA
  // rekey), holding the connection throughout: checks there is room for
  // the rollback journal (a copy of the file), folds and truncates the WAL,
  // rekeys in rollback-journal mode (SQLCipher cannot rekey in WAL mode),
  // has a second connection read every page with `next` (SQLCipher 3
  // reports a failed rekey as success), and returns to WAL. On a failed
  // rekey it puts `current` back. Errors: RESOURCE_EXHAUSTED without room;
  // UNAVAILABLE when a reader kept the WAL from being truncated;
  // FAILED_PRECONDITION when the rekey failed and `current` still reads
  // the store, or WAL mode does not come back; DATA_LOSS when neither key
  // reads it any more (restore a backup).
  absl::Status Rekey(const crypto::SecretKey& current,
                     const crypto::SecretKey& next);

  // ConsentStore::Backup: copies the database to `path` in steps of a few
  // pages, each in a Session of its own, so writes go on between steps (a
  // write through this connection is carried into the copy by SQLite's
  // backup), then checks the copy and counts what it holds.
  absl::StatusOr<BackupContents> Backup(const std::string& path,
                                        const crypto::SecretKey* key);

  // Puts the backup file `backup` in place of the database at `path`, for
  // a consentd about to open it: takes the store's lock (no consentd may
  // hold it), copies the backup beside the database and syncs it, finds
  // the first of `keys` that reads every page of the copy (a null key: a
  // test store without encryption) and checks its schema is not newer than
  // this build's, moves the database's files (with its WAL and any
  // rollback journal) into the new directory `aside_dir`, and renames the copy
  // into place. Returns the index of that key. Errors: NOT_FOUND without the
  // backup; FAILED_PRECONDITION when another process holds the store, no
  // key reads the copy, its schema is newer than this build's, or a file
  // cannot be copied or moved;
  // RESOURCE_EXHAUSTED when the disk is full; DATA_LOSS when the copy's
  // pages fail their check. Until the store's files move it is untouched;
  // a failure while they move leaves some in `aside_dir` (move them back
  // by hand).
  static absl::StatusOr<size_t> Restore(
      const std::string& backup, const std::string& path,
      absl::Span<const crypto::SecretKey* const> keys,
      const std::string& aside_dir);

  // Exclusive use of the connection while it lives.
  class Session {
   public:
    explicit Session(SqlcipherConnection& connection);

    sqlite3* db() const { return connection_.db_; }

    // Steps a statement that returns no rows.
    absl::Status Run(Statement& statement, absl::string_view context);
    // Runs SQL text that returns no rows.
    absl::Status Exec(const char* sql, absl::string_view context);
    // Runs `body` in one IMMEDIATE transaction: committed when it returns
    // OK, rolled back otherwise.
    absl::Status InTransaction(absl::string_view context,
                               absl::FunctionRef<absl::Status()> body);
    // Runs `scan` in a small page cache: a full scan reads every page of a
    // table once and would otherwise fill the write path's cache with
    // pages no write touches.
    absl::Status InScanCache(absl::FunctionRef<absl::Status()> scan);
    // The one blob `sql` selects for the text `id` bound to ?1; NOT_FOUND
    // with `missing` when there is none.
    absl::StatusOr<std::string> LoadBlob(const char* sql, const std::string& id,
                                         absl::string_view context,
                                         absl::string_view missing);

   private:
    SqlcipherConnection& connection_;
    absl::MutexLock lock_;
  };

 private:
  struct Transactions;

  SqlcipherConnection(std::string path, sqlite3* db,
                      std::unique_ptr<Transactions> transactions, int lock_fd,
                      int schema_version);

  const std::string path_;
  absl::Mutex mu_;
  // Used only within a Session, which holds mu_.
  sqlite3* const db_;
  // BEGIN, COMMIT and ROLLBACK, prepared once: sqlite3_exec would parse
  // them anew for every group commit.
  const std::unique_ptr<Transactions> transactions_;
  const int lock_fd_;
  const int schema_version_;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLCIPHER_CONNECTION_H_
