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

// OK when a connection of its own reads every page of `path` with `key`.
absl::Status ReadsWith(const std::string& path, const crypto::SecretKey& key) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  absl::Status status = SqliteStatus(rc, db, "open to check the key");
  if (status.ok()) status = ApplyKey(db, key);
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
  if (rekeyed.ok()) rekeyed = ReadsWith(path_, next);
  absl::Status outcome = absl::OkStatus();
  if (!rekeyed.ok()) {
    // SQLCipher 3 may have rolled back while it went on writing with the
    // new key: put the old key back, whatever the pages hold, and check.
    ExecKeyPragma(db, "rekey", current).IgnoreError();
    outcome = ReadsWith(path_, current).ok()
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
