#include "service/store/sqlcipher_connection.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "service/store/schema.h"
#include "service/store/sqlite_status.h"

namespace consentd::store {
namespace {

// The page cache, in KiB. Each fact lands on a random leaf of the digest
// index; a cache that holds the index's leaves spares the committer
// reading and decrypting them again. Full scans run in SQLite's default
// size instead (Session::InScanCache).
constexpr int kPageCacheKiB = 16 * 1024;
constexpr int kScanPageCacheKiB = 2 * 1024;

// SQLite's value of PRAGMA synchronous for FULL.
constexpr int64_t kSynchronousFull = 2;

void SetPageCache(sqlite3* db, int kib) {
  // Cannot fail on an open connection: it sets a limit and evicts down to it.
  const std::string sql = absl::StrCat("PRAGMA cache_size = -", kib, ";");
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

absl::Status ExecOn(sqlite3* db, const char* sql, absl::string_view context) {
  return SqliteStatus(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db,
                      context);
}

// The first column of the single row `sql` returns, read with `column`
// (Statement::Int or Statement::Text).
template <typename T>
absl::StatusOr<T> QueryValue(sqlite3* db, const char* sql,
                             absl::string_view context,
                             T (Statement::*column)(int) const) {
  Statement stmt(db, sql);
  RETURN_IF_ERROR(stmt.prepared(context));
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return SqliteStatus(rc, db, context);
  return (stmt.*column)(0);
}

// The store's cipher settings, pinned rather than left to the library's
// defaults so that a later SQLCipher, whose defaults differ, still reads
// the store: AES-256-CBC with a per-page HMAC-SHA1 and 1 KiB pages, as
// Debian's SQLCipher 3.4.1 writes them (docs/security.md). The key is raw
// (x'...'), so no passphrase KDF runs. SQLCipher 3 ignores the two 4.x
// pragmas; SQLCipher 4 honours them.
constexpr char kCipherSettings[] =
    "PRAGMA cipher = 'aes-256-cbc';"
    "PRAGMA cipher_use_hmac = ON;"
    "PRAGMA cipher_page_size = 1024;"
    "PRAGMA kdf_iter = 64000;"
    "PRAGMA cipher_hmac_algorithm = HMAC_SHA1;"
    "PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA1;";
constexpr int64_t kCipherPageSize = 1024;

absl::Status ExecKeyPragma(sqlite3* db, absl::string_view pragma,
                           const crypto::SecretKey& key);

absl::Status ApplyKey(sqlite3* db, const crypto::SecretKey& key) {
  RETURN_IF_ERROR(ExecKeyPragma(db, "key", key));
  RETURN_IF_ERROR(ExecOn(db, kCipherSettings, "pin cipher settings"));
  ASSIGN_OR_RETURN(int64_t page_size,
                   QueryValue(db, "PRAGMA cipher_page_size;",
                              "read cipher page size", &Statement::Int));
  if (page_size != kCipherPageSize) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: cipher page size is ", page_size, ", not ", kCipherPageSize));
  }
  return absl::OkStatus();
}

absl::Status Configure(sqlite3* db) {
  // The first read of a keyed file fails with SQLITE_NOTADB for a wrong key
  // or a file that is no database; this turns that into a clear error.
  RETURN_IF_ERROR(QueryValue(db, "SELECT count(*) FROM sqlite_master;", "open",
                             &Statement::Int)
                      .status());
  ASSIGN_OR_RETURN(std::string mode,
                   QueryValue(db, "PRAGMA journal_mode = WAL;", "enable WAL",
                              &Statement::Text));
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("store: cannot enable WAL (journal mode is ", mode, ")"));
  }
  // A checkpoint runs inside the commit that crosses the threshold and
  // costs two fsyncs; per 10,000 pages rather than SQLite's 1,000 they are
  // ten times rarer, and the pages every commit rewrites (the header, the
  // table's last leaf, the index's upper levels) are copied once per
  // checkpoint rather than ten times.
  RETURN_IF_ERROR(ExecOn(db,
                         "PRAGMA synchronous = FULL;"
                         "PRAGMA wal_autocheckpoint = 10000;"
                         "PRAGMA secure_delete = ON;"
                         "PRAGMA foreign_keys = ON;",
                         "configure"));
  // An acknowledged write must be on disk, which rests on a sync at every
  // commit: the setting is read back rather than trusted.
  ASSIGN_OR_RETURN(int64_t synchronous,
                   QueryValue(db, "PRAGMA synchronous;", "read synchronous",
                              &Statement::Int));
  if (synchronous != kSynchronousFull) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: synchronous is ", synchronous, ", not FULL (2)"));
  }
  SetPageCache(db, kPageCacheKiB);
  return absl::OkStatus();
}

// Reads every page once (each page's HMAC is checked as it is decrypted),
// so that a damaged file stops consentd at start rather than when a
// request reaches the damaged page. The key is right by now (the schema
// was read), so a page that cannot be read is damage, not a wrong key.
absl::Status CheckEveryPage(sqlite3* db) {
  SetPageCache(db, kScanPageCacheKiB);
  absl::StatusOr<std::string> check = QueryValue(
      db, "PRAGMA quick_check;", "check every page", &Statement::Text);
  SetPageCache(db, kPageCacheKiB);
  if (check.ok() && *check == "ok") return absl::OkStatus();
  // A busy file or an I/O error is not damage: say what it is, so that no
  // one restores a backup (and loses what came since) for it.
  if (!check.ok() && !IsWrongKey(check.status()) &&
      !absl::IsDataLoss(check.status())) {
    return check.status();
  }
  return absl::DataLossError(
      "store: the file is damaged (a page cannot be read or fails its "
      "check): restore a backup (consentd --restore)");
}

absl::StatusOr<int> Migrate(sqlite3* db) {
  ASSIGN_OR_RETURN(int64_t version,
                   QueryValue(db, "PRAGMA user_version;", "read schema version",
                              &Statement::Int));
  if (version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: schema version ", version,
                     " is newer than this consentd supports (",
                     LatestSchemaVersion(), "); run a newer consentd"));
  }
  for (const Migration& migration : SchemaMigrations()) {
    if (migration.version <= version) continue;
    std::string context = absl::StrCat("migrate to v", migration.version);
    RETURN_IF_ERROR(ExecOn(db, "BEGIN IMMEDIATE;", context));
    std::string sql = absl::StrCat(
        migration.sql, "PRAGMA user_version = ", migration.version, ";COMMIT;");
    if (absl::Status s = ExecOn(db, sql.c_str(), context); !s.ok()) {
      sqlite3_exec(db, "ROLLBACK;", nullptr, nullptr, nullptr);
      return s;
    }
    version = migration.version;
  }
  return static_cast<int>(version);
}

absl::StatusOr<int> LockStore(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: cannot create ", lock_path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("store: ", path, " is in use by another process"));
  }
  return fd;
}

// Runs PRAGMA `pragma` = the raw key, wiping the text.
absl::Status ExecKeyPragma(sqlite3* db, absl::string_view pragma,
                           const crypto::SecretKey& key) {
  std::string hex = key.Hex();
  std::string sql = absl::StrCat("PRAGMA ", pragma, " = \"x'", hex, "'\";");
  absl::Status status = ExecOn(db, sql.c_str(), pragma);
  OPENSSL_cleanse(hex.data(), hex.size());
  OPENSSL_cleanse(sql.data(), sql.size());
  return status;
}

// OK when a connection of its own reads every page of `path` with `key`
// (none: unencrypted).
absl::Status ReadsWith(const std::string& path, const crypto::SecretKey* key) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  absl::Status status = SqliteStatus(rc, db, "open to check the key");
  if (status.ok() && key != nullptr) status = ApplyKey(db, *key);
  if (status.ok()) {
    absl::StatusOr<std::string> check = QueryValue(
        db, "PRAGMA quick_check;", "check every page", &Statement::Text);
    status = !check.ok() ? check.status()
             : *check == "ok"
                 ? absl::OkStatus()
                 : absl::DataLossError("store: pages fail their check");
  }
  sqlite3_close_v2(db);
  return status;
}

// The schema version (PRAGMA user_version) of the database at `path`.
absl::StatusOr<int64_t> SchemaVersionOf(const std::string& path,
                                        const crypto::SecretKey* key) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  absl::Cleanup close_db = [db] { sqlite3_close_v2(db); };
  RETURN_IF_ERROR(SqliteStatus(rc, db, "open to read the schema"));
  if (key != nullptr) RETURN_IF_ERROR(ApplyKey(db, *key));
  return QueryValue(db, "PRAGMA user_version;", "read schema version",
                    &Statement::Int);
}

// OK when the file system holding `path` has room for a copy of it (the
// rollback journal of a rekey), with a tenth to spare.
absl::Status RoomForACopy(const std::string& path) {
  struct stat file;
  struct statvfs fs;
  if (stat(path.c_str(), &file) != 0 || statvfs(path.c_str(), &fs) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: cannot measure ", path, ": ", std::strerror(errno)));
  }
  const uint64_t free_bytes =
      static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
  const uint64_t needed = static_cast<uint64_t>(file.st_size) * 11 / 10;
  if (free_bytes < needed) {
    return absl::ResourceExhaustedError(
        absl::StrCat("store: a rekey needs ", needed,
                     " bytes free beside the store, ", free_bytes, " are"));
  }
  return absl::OkStatus();
}

}  // namespace

struct SqlcipherConnection::Transactions {
  explicit Transactions(sqlite3* db)
      : begin(db, "BEGIN IMMEDIATE;"),
        commit(db, "COMMIT;"),
        rollback(db, "ROLLBACK;") {}

  absl::Status status() const {
    RETURN_IF_ERROR(begin.prepared("prepare begin"));
    RETURN_IF_ERROR(commit.prepared("prepare commit"));
    return rollback.prepared("prepare rollback");
  }

  Statement begin;
  Statement commit;
  Statement rollback;
};

absl::StatusOr<std::unique_ptr<SqlcipherConnection>> SqlcipherConnection::Open(
    const std::string& path, const crypto::SecretKey* key) {
  ASSIGN_OR_RETURN(int lock_fd, LockStore(path));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  absl::Status status = SqliteStatus(rc, db, absl::StrCat("open ", path));
  if (status.ok() && key != nullptr) status = ApplyKey(db, *key);
  if (status.ok()) status = Configure(db);
  if (status.ok()) status = CheckEveryPage(db);
  absl::StatusOr<int> version = status.ok() ? Migrate(db) : status;
  std::unique_ptr<Transactions> transactions;
  if (version.ok()) {
    transactions = std::make_unique<Transactions>(db);
    status = transactions->status();
    if (!status.ok()) version = status;
  }
  if (!version.ok()) {
    transactions.reset();
    sqlite3_close_v2(db);
    close(lock_fd);
    return version.status();
  }
  return std::unique_ptr<SqlcipherConnection>(new SqlcipherConnection(
      path, db, std::move(transactions), lock_fd, *version));
}

SqlcipherConnection::SqlcipherConnection(
    std::string path, sqlite3* db, std::unique_ptr<Transactions> transactions,
    int lock_fd, int schema_version)
    : path_(std::move(path)),
      db_(db),
      transactions_(std::move(transactions)),
      lock_fd_(lock_fd),
      schema_version_(schema_version) {}

SqlcipherConnection::~SqlcipherConnection() {
  {
    absl::MutexLock lock(&mu_);
    transactions_->begin.Finalize();
    transactions_->commit.Finalize();
    transactions_->rollback.Finalize();
    sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr,
                 nullptr);
    sqlite3_close_v2(db_);
  }
  close(lock_fd_);
}

absl::Status SqlcipherConnection::Rekey(const crypto::SecretKey& current,
                                        const crypto::SecretKey& next) {
  Session session(*this);
  sqlite3* db = session.db();
  RETURN_IF_ERROR(RoomForACopy(path_));
  // Fold the WAL first: SQLCipher rekeys only the main file.
  ASSIGN_OR_RETURN(int64_t busy,
                   QueryValue(db, "PRAGMA wal_checkpoint(TRUNCATE);",
                              "fold WAL", &Statement::Int));
  if (busy != 0) {
    return absl::UnavailableError(
        "store: a reader kept the WAL from being folded; retry the rekey");
  }
  ASSIGN_OR_RETURN(std::string mode,
                   QueryValue(db, "PRAGMA journal_mode = DELETE;",
                              "leave WAL mode", &Statement::Text));
  if (mode != "delete") {
    return absl::FailedPreconditionError(
        absl::StrCat("store: cannot leave WAL mode to rekey (", mode, ")"));
  }
  absl::Status rekeyed = ExecKeyPragma(db, "rekey", next);
  if (rekeyed.ok()) rekeyed = ReadsWith(path_, &next);
  absl::Status outcome = absl::OkStatus();
  if (!rekeyed.ok()) {
    // SQLCipher 3 may have rolled back while it went on writing with the
    // new key: put the old key back, whatever the pages hold, and check.
    ExecKeyPragma(db, "rekey", current).IgnoreError();
    outcome = ReadsWith(path_, &current).ok()
                  ? absl::FailedPreconditionError(absl::StrCat(
                        "store: the rekey failed (", rekeyed.message(),
                        "); the store is still under its old key"))
                  : absl::DataLossError(absl::StrCat(
                        "store: the rekey failed (", rekeyed.message(),
                        ") and the old key no longer reads the store: "
                        "restore it from a backup"));
  }
  // Back to WAL whatever happened.
  absl::StatusOr<std::string> wal = QueryValue(
      db, "PRAGMA journal_mode = WAL;", "return to WAL mode", &Statement::Text);
  RETURN_IF_ERROR(outcome);
  if (!wal.ok()) return wal.status();
  if (*wal != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("store: cannot return to WAL mode (", *wal, ")"));
  }
  return absl::OkStatus();
}

namespace {

// Pages a backup copies per step: about a millisecond of work, which is as
// long as a write waits for the copy.
constexpr int kBackupPagesPerStep = 256;
// Steps a backup may find the files busy, a millisecond apart, before it
// gives up (UNAVAILABLE, from SQLite's BUSY).
constexpr int kBackupBusyStepsAllowed = 5000;

absl::Status FileError(absl::string_view what, const std::string& path) {
  const int error = errno;
  std::string message = absl::StrCat("store: cannot ", what, " ", path, ": ",
                                     std::strerror(error));
  if (error == ENOSPC || error == EDQUOT || error == EFBIG) {
    return absl::ResourceExhaustedError(message);
  }
  return error == ENOENT ? absl::NotFoundError(message)
                         : absl::FailedPreconditionError(message);
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string BaseNameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// fsync of `path` (a file or a directory).
absl::Status SyncPath(const std::string& path, bool directory) {
  const int fd =
      open(path.c_str(),
           (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return FileError("open", path);
  const bool synced = fsync(fd) == 0;
  const absl::Status status =
      synced ? absl::OkStatus() : FileError("sync", path);
  close(fd);
  return status;
}

// Copies `from` to the new file `to` (mode 0600) and syncs it.
absl::Status CopyFile(const std::string& from, const std::string& to) {
  const int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return FileError("read", from);
  absl::Cleanup close_in = [in] { close(in); };
  const int out =
      open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return FileError("create", to);
  absl::Cleanup close_out = [out] { close(out); };
  std::string block(1 << 20, '\0');
  while (true) {
    const ssize_t got = read(in, block.data(), block.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return FileError("read", from);
    if (got == 0) break;
    for (ssize_t written = 0; written < got;) {
      const ssize_t n = write(out, block.data() + written,
                              static_cast<size_t>(got - written));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FileError("write", to);
      written += n;
    }
  }
  if (fsync(out) != 0) return FileError("sync", to);
  return absl::OkStatus();
}

// What the database `db` holds, by table.
absl::Status CountInto(sqlite3* db, BackupContents& contents) {
  const struct {
    const char* sql;
    int64_t* count;
  } counts[] = {
      {"SELECT count(*) FROM facts;", &contents.facts},
      {"SELECT count(*) FROM erasure_journal;", &contents.erasures},
      {"SELECT count(*) FROM data_subject_requests;", &contents.requests},
      {"SELECT count(*) FROM suppression_lists;", &contents.lists},
      {"SELECT count(*) FROM scrub_receipts;", &contents.receipts},
      {"SELECT count(*) FROM audit_entries;", &contents.audit_entries},
  };
  for (const auto& count : counts) {
    ASSIGN_OR_RETURN(*count.count, QueryValue(db, count.sql, "count the copy",
                                              &Statement::Int));
  }
  ASSIGN_OR_RETURN(int64_t version,
                   QueryValue(db, "PRAGMA user_version;",
                              "read the copy's schema", &Statement::Int));
  contents.schema_version = static_cast<int>(version);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupContents> SqlcipherConnection::Backup(
    const std::string& path, const crypto::SecretKey* key) {
  sqlite3* copy = nullptr;
  if (access(path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("store: ", path, " exists; a backup never overwrites"));
  }
  bool kept = false;
  absl::Cleanup discard = [&] {
    sqlite3_close_v2(copy);
    if (!kept) {
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        unlink(absl::StrCat(path, suffix).c_str());
      }
    }
  };
  int rc = sqlite3_open_v2(
      path.c_str(), &copy,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  RETURN_IF_ERROR(SqliteStatus(rc, copy, absl::StrCat("create ", path)));
  if (key != nullptr) RETURN_IF_ERROR(ApplyKey(copy, *key));
  sqlite3_backup* backup = nullptr;
  {
    Session session(*this);
    backup = sqlite3_backup_init(copy, "main", session.db(), "main");
  }
  if (backup == nullptr)
    return SqliteStatus(sqlite3_errcode(copy), copy, "start backup");
  // Another process may hold a file a moment: wait for it, a little.
  int busy_steps = 0;
  do {
    {
      Session session(*this);
      rc = sqlite3_backup_step(backup, kBackupPagesPerStep);
    }
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
        ++busy_steps < kBackupBusyStepsAllowed) {
      absl::SleepFor(absl::Milliseconds(1));
      rc = SQLITE_OK;
    }
  } while (rc == SQLITE_OK);
  {
    Session session(*this);
    sqlite3_backup_finish(backup);
  }
  RETURN_IF_ERROR(
      SqliteStatus(rc == SQLITE_DONE ? SQLITE_OK : rc, copy, "back up"));
  ASSIGN_OR_RETURN(std::string check,
                   QueryValue(copy, "PRAGMA quick_check;", "check the copy",
                              &Statement::Text));
  if (check != "ok") {
    return absl::FailedPreconditionError(
        "store: the backup's pages fail their check");
  }
  BackupContents contents;
  RETURN_IF_ERROR(CountInto(copy, contents));
  // One file, as a stopped store is: fold the copy's WAL back.
  RETURN_IF_ERROR(
      ExecOn(copy, "PRAGMA wal_checkpoint(TRUNCATE);", "fold the copy"));
  sqlite3_close_v2(copy);
  copy = nullptr;
  RETURN_IF_ERROR(SyncPath(path, /*directory=*/false));
  RETURN_IF_ERROR(SyncPath(DirectoryOf(path), /*directory=*/true));
  struct stat file;
  if (stat(path.c_str(), &file) != 0) return FileError("measure", path);
  contents.bytes = file.st_size;
  kept = true;
  return contents;
}

absl::StatusOr<size_t> SqlcipherConnection::Restore(
    const std::string& backup, const std::string& path,
    absl::Span<const crypto::SecretKey* const> keys,
    const std::string& aside_dir) {
  if (keys.empty()) return absl::InvalidArgumentError("store: no key");
  if (access(backup.c_str(), R_OK) != 0) return FileError("read", backup);
  ASSIGN_OR_RETURN(int lock_fd, LockStore(path));
  absl::Cleanup unlock = [lock_fd] { close(lock_fd); };
  const std::string staged = path + ".restoring";
  // What a check of the copy leaves beside it, and the copy.
  const auto remove_staged = [&staged](bool with_copy) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      unlink(absl::StrCat(staged, suffix).c_str());
    }
    if (with_copy) unlink(staged.c_str());
  };
  remove_staged(/*with_copy=*/true);
  absl::Cleanup discard = [&] { remove_staged(/*with_copy=*/true); };
  RETURN_IF_ERROR(CopyFile(backup, staged));
  absl::Status reads = absl::OkStatus();
  size_t key_index = 0;
  for (; key_index < keys.size(); ++key_index) {
    reads = ReadsWith(staged, keys[key_index]);
    if (reads.ok() || !IsWrongKey(reads)) break;
  }
  if (!reads.ok()) return reads;
  ASSIGN_OR_RETURN(int64_t version, SchemaVersionOf(staged, keys[key_index]));
  remove_staged(/*with_copy=*/false);
  if (version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: the backup is at schema version ", version,
                     ", newer than this consentd supports (",
                     LatestSchemaVersion(), "); restore with a newer one"));
  }
  if (mkdir(aside_dir.c_str(), 0700) != 0) {
    return FileError("create", aside_dir);
  }
  // A rekey interrupted in rollback-journal mode leaves a -journal, which
  // SQLite would play into whatever file is put here: it goes aside too.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string file = absl::StrCat(path, suffix);
    if (access(file.c_str(), F_OK) != 0) continue;
    const std::string aside =
        absl::StrCat(aside_dir, "/", BaseNameOf(path), suffix);
    if (rename(file.c_str(), aside.c_str()) != 0) {
      return FileError("move", file);
    }
  }
  RETURN_IF_ERROR(SyncPath(aside_dir, /*directory=*/true));
  if (rename(staged.c_str(), path.c_str()) != 0) {
    return FileError("move the restored copy to", path);
  }
  std::move(discard).Cancel();
  RETURN_IF_ERROR(SyncPath(DirectoryOf(path), /*directory=*/true));
  return key_index;
}

SqlcipherConnection::Session::Session(SqlcipherConnection& connection)
    : connection_(connection), lock_(&connection.mu_) {}

absl::Status SqlcipherConnection::Session::Run(Statement& statement,
                                               absl::string_view context) {
  int rc = sqlite3_step(statement.get());
  return rc == SQLITE_DONE ? absl::OkStatus() : SqliteStatus(rc, db(), context);
}

absl::Status SqlcipherConnection::Session::Exec(const char* sql,
                                                absl::string_view context) {
  return ExecOn(db(), sql, context);
}

absl::Status SqlcipherConnection::Session::InTransaction(
    absl::string_view context, absl::FunctionRef<absl::Status()> body) {
  Transactions& transactions = *connection_.transactions_;
  const auto step = [this, context](Statement& statement) {
    sqlite3_reset(statement.get());
    return Run(statement, context);
  };
  RETURN_IF_ERROR(step(transactions.begin));
  absl::Status status = body();
  if (status.ok()) status = step(transactions.commit);
  // Fails harmlessly when a failed COMMIT has already rolled back.
  if (!status.ok()) step(transactions.rollback).IgnoreError();
  return status;
}

absl::Status SqlcipherConnection::Session::InScanCache(
    absl::FunctionRef<absl::Status()> scan) {
  SetPageCache(db(), kScanPageCacheKiB);
  absl::Cleanup restore = [db = db()] { SetPageCache(db, kPageCacheKiB); };
  return scan();
}

absl::StatusOr<std::string> SqlcipherConnection::Session::LoadBlob(
    const char* sql, const std::string& id, absl::string_view context,
    absl::string_view missing) {
  Statement query(db(), sql);
  RETURN_IF_ERROR(query.prepared(context));
  query.BindText(1, id);
  std::optional<std::string> blob;
  RETURN_IF_ERROR(query.ForEachRow(context, [&] {
    blob = query.Blob(0);
    return absl::OkStatus();
  }));
  if (!blob.has_value()) return absl::NotFoundError(missing);
  return *std::move(blob);
}

}  // namespace consentd::store
