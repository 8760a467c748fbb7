#include "service/store/sqlcipher_store.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "service/store/batched_wal_vfs.h"
#include "service/store/schema.h"
#include "service/store/sqlite_status.h"
#include "service/store/statement.h"

namespace consentd::store {
namespace {

// The page cache, in KiB: see Configure. A full scan reads every page of a
// table once, and in the full cache would leave it holding up to 16 MiB of
// pages no write touches (list entries, old facts); it runs in SQLite's
// default-sized cache instead.
constexpr int kPageCacheKiB = 16 * 1024;
constexpr int kScanPageCacheKiB = 2 * 1024;

// Each commit's WAL frames reach the file in one write (see
// BatchedWalVfs); the store syncs every commit, as that VFS requires.
constexpr char kVfs[] = "consentd-batched-wal";

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

absl::Status ApplyKey(sqlite3* db, const crypto::SecretKey& key) {
  std::string hex = key.Hex();
  std::string sql = absl::StrCat("PRAGMA key = \"x'", hex, "'\";");
  absl::Status status = ExecOn(db, sql.c_str(), "set key");
  OPENSSL_cleanse(hex.data(), hex.size());
  OPENSSL_cleanse(sql.data(), sql.size());
  return status;
}

// Steps a statement that returns no rows.
absl::Status Run(sqlite3* db, Statement& statement, absl::string_view context) {
  int rc = sqlite3_step(statement.get());
  return rc == SQLITE_DONE ? absl::OkStatus() : SqliteStatus(rc, db, context);
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
  // costs two fsyncs, so SQLite's default of one per 1,000 pages held up
  // one commit in fifty for several milliseconds. Per 10,000 pages (a WAL of
  // about 10 MiB) they are ten times rarer, and copy fewer pages per commit:
  // the pages every commit rewrites (the header, the table's last leaf, the
  // index's upper levels) are copied once per checkpoint.
  //
  // Each fact lands on a random leaf of the digest index. In SQLite's
  // default 2 MiB page cache those leaves were mostly evicted and read
  // again, and SQLCipher authenticates and decrypts every page it reads:
  // ~2.4 reads a write, on the committer's thread, with ~100k facts on
  // file. 16 MiB holds the index of about 200k facts (measured: 0.8 reads a
  // write; writes/s +2-12%, most when the cores are busiest); past that,
  // leaves are read again as before.
  RETURN_IF_ERROR(ExecOn(db,
                         "PRAGMA synchronous = FULL;"
                         "PRAGMA wal_autocheckpoint = 10000;"
                         "PRAGMA secure_delete = ON;"
                         "PRAGMA foreign_keys = ON;",
                         "configure"));
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

constexpr char kAppendFactSql[] =
    "INSERT INTO facts (digest, kind, purpose, channel, lawful_basis, "
    "collection_method, notice_version, evidence_reference, collector, "
    "source, occurred_us, recorded_us, expires_us, subject_initiated, "
    "lifted_refusal, policy_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);";

// The facts of the digest bound to ?1. INDEXED BY makes preparing fail,
// rather than fall back to a full scan, if the index cannot serve it.
constexpr char kFactsOfDigest[] =
    "facts INDEXED BY facts_by_digest_prefix "
    "WHERE substr(digest, 1, 8) = substr(?1, 1, 8) AND digest = ?1";

constexpr char kFactColumns[] =
    "fact_id, digest, kind, purpose, channel, lawful_basis, "
    "collection_method, notice_version, evidence_reference, collector, "
    "source, occurred_us, recorded_us, expires_us, subject_initiated, "
    "lifted_refusal, policy_version";

FactRecord ReadFact(const Statement& row) {
  FactRecord fact;
  fact.fact_id = row.Int(0);
  fact.digest = row.DigestColumn(1);
  fact.kind = static_cast<consent::v1::FactKind>(row.Int(2));
  fact.purpose = row.Text(3);
  fact.channel = row.Text(4);
  fact.lawful_basis = static_cast<consent::v1::LawfulBasis>(row.Int(5));
  fact.evidence.set_collection_method(
      static_cast<consent::v1::CollectionMethod>(row.Int(6)));
  fact.evidence.set_notice_version(row.Text(7));
  fact.evidence.set_evidence_reference(row.Text(8));
  fact.evidence.set_collector(row.Text(9));
  fact.evidence.set_source(row.Text(10));
  fact.occurred_us = row.Int(11);
  fact.recorded_us = row.Int(12);
  fact.expires_us = row.ExpiryColumn(13);
  fact.subject_initiated = row.Int(14) != 0;
  fact.lifted_refusal = row.Int(15) != 0;
  fact.policy_version = row.Text(16);
  return fact;
}

// The one blob `sql` selects for `id`; NOT_FOUND (`missing`) when none.
absl::StatusOr<std::string> LoadBlob(sqlite3* db, const char* sql,
                                     const std::string& id,
                                     absl::string_view context,
                                     absl::string_view missing) {
  Statement query(db, sql);
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

constexpr char kListColumns[] =
    "list_id, name, version, purposes, channels, entries, rejected_entries, "
    "imported_us";

std::vector<std::string> SplitNames(const std::string& joined) {
  return joined.empty() ? std::vector<std::string>()
                        : absl::StrSplit(joined, ',');
}

ListRecord ReadList(const Statement& row) {
  ListRecord list;
  list.list_id = row.Int(0);
  list.name = row.Text(1);
  list.version = row.Text(2);
  list.purposes = SplitNames(row.Text(3));
  list.channels = SplitNames(row.Text(4));
  list.entries = row.Int(5);
  list.rejected_entries = row.Int(6);
  list.imported_us = row.Int(7);
  return list;
}

}  // namespace

struct SqlcipherStore::Prepared {
  explicit Prepared(sqlite3* db)
      : append_fact(db, kAppendFactSql),
        begin(db, "BEGIN IMMEDIATE;"),
        commit(db, "COMMIT;"),
        rollback(db, "ROLLBACK;") {}

  absl::Status status() const {
    RETURN_IF_ERROR(append_fact.prepared("prepare append"));
    RETURN_IF_ERROR(begin.prepared("prepare begin"));
    RETURN_IF_ERROR(commit.prepared("prepare commit"));
    return rollback.prepared("prepare rollback");
  }

  // Before the connection closes.
  void Finalize() {
    append_fact.Finalize();
    begin.Finalize();
    commit.Finalize();
    rollback.Finalize();
  }

  Statement append_fact;
  Statement begin;
  Statement commit;
  Statement rollback;
};

absl::StatusOr<std::unique_ptr<SqlcipherStore>> SqlcipherStore::Open(
    const std::string& path, const crypto::SecretKey& key) {
  return OpenWith(path, &key);
}

absl::StatusOr<std::unique_ptr<SqlcipherStore>>
SqlcipherStore::OpenUnencryptedForTesting(const std::string& path) {
  return OpenWith(path, nullptr);
}

absl::StatusOr<std::unique_ptr<SqlcipherStore>> SqlcipherStore::OpenWith(
    const std::string& path, const crypto::SecretKey* key) {
  RETURN_IF_ERROR(RegisterBatchedWalVfs(kVfs, nullptr));
  ASSIGN_OR_RETURN(int lock_fd, LockStore(path));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, kVfs);
  absl::Status status = SqliteStatus(rc, db, absl::StrCat("open ", path));
  if (status.ok() && key != nullptr) status = ApplyKey(db, *key);
  if (status.ok()) status = Configure(db);
  absl::StatusOr<int> version = status.ok() ? Migrate(db) : status;
  if (version.ok()) {
    // Imports a crash interrupted were never published: nobody saw them.
    status = ExecOn(db, "DELETE FROM suppression_lists WHERE name IS NULL;",
                    "discard unpublished lists");
    if (!status.ok()) version = status;
  }
  std::unique_ptr<Prepared> prepared;
  if (version.ok()) {
    prepared = std::make_unique<Prepared>(db);
    status = prepared->status();
    if (!status.ok()) version = status;
  }
  if (!version.ok()) {
    prepared.reset();
    sqlite3_close_v2(db);
    close(lock_fd);
    return version.status();
  }
  return std::unique_ptr<SqlcipherStore>(
      new SqlcipherStore(db, std::move(prepared), lock_fd, *version));
}

SqlcipherStore::SqlcipherStore(sqlite3* db, std::unique_ptr<Prepared> prepared,
                               int lock_fd, int schema_version)
    : db_(db),
      prepared_(std::move(prepared)),
      lock_fd_(lock_fd),
      schema_version_(schema_version) {}

SqlcipherStore::~SqlcipherStore() {
  {
    absl::MutexLock lock(&mu_);
    prepared_->Finalize();
    // Fold the WAL back into the main file so a stopped store is one file.
    sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr,
                 nullptr);
    sqlite3_close_v2(db_);
  }
  close(lock_fd_);
}

absl::Status SqlcipherStore::InTransaction(
    absl::string_view context, absl::FunctionRef<absl::Status()> body) {
  const auto step = [this, context](Statement& statement) {
    sqlite3_reset(statement.get());
    return Run(db_, statement, context);
  };
  RETURN_IF_ERROR(step(prepared_->begin));
  absl::Status status = body();
  if (status.ok()) status = step(prepared_->commit);
  // Fails harmlessly when a failed COMMIT has already rolled back.
  if (!status.ok()) step(prepared_->rollback).IgnoreError();
  return status;
}

absl::StatusOr<std::vector<int64_t>> SqlcipherStore::WriteFacts(
    absl::string_view context, absl::FunctionRef<absl::Status()> before,
    absl::Span<const FactRecord> facts) {
  std::vector<int64_t> ids;
  absl::Status status = InTransaction(context, [&]() -> absl::Status {
    RETURN_IF_ERROR(before());
    Statement& insert = prepared_->append_fact;
    // The last fact's evidence stays bound until cleared.
    absl::Cleanup unbind = [&insert] {
      sqlite3_reset(insert.get());
      sqlite3_clear_bindings(insert.get());
    };
    ids.reserve(facts.size());
    for (const FactRecord& fact : facts) {
      sqlite3_reset(insert.get());
      insert.BindBlob(1, crypto::DigestBytes(fact.digest));
      insert.BindInt(2, fact.kind);
      insert.BindText(3, fact.purpose);
      insert.BindText(4, fact.channel);
      insert.BindInt(5, fact.lawful_basis);
      insert.BindInt(6, fact.evidence.collection_method());
      insert.BindText(7, fact.evidence.notice_version());
      insert.BindText(8, fact.evidence.evidence_reference());
      insert.BindText(9, fact.evidence.collector());
      insert.BindText(10, fact.evidence.source());
      insert.BindInt(11, fact.occurred_us);
      insert.BindInt(12, fact.recorded_us);
      if (fact.expires_us == kNeverExpires) {
        insert.BindNull(13);
      } else {
        insert.BindInt(13, fact.expires_us);
      }
      insert.BindInt(14, fact.subject_initiated ? 1 : 0);
      insert.BindInt(15, fact.lifted_refusal ? 1 : 0);
      insert.BindText(16, fact.policy_version);
      RETURN_IF_ERROR(Run(db_, insert, "append fact"));
      ids.push_back(sqlite3_last_insert_rowid(db_));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return ids;
}

absl::StatusOr<std::vector<int64_t>> SqlcipherStore::AppendFacts(
    absl::Span<const FactRecord> facts) {
  absl::MutexLock lock(&mu_);
  return WriteFacts(
      "append facts", [] { return absl::OkStatus(); }, facts);
}

absl::StatusOr<std::vector<int64_t>> SqlcipherStore::EraseFacts(
    absl::Span<const crypto::Digest> digests,
    absl::Span<const FactRecord> tombstones, const std::string& request_id,
    int64_t erased_us) {
  absl::MutexLock lock(&mu_);
  return WriteFacts(
      "erase",
      [&]() -> absl::Status {
        const std::string sql =
            absl::StrCat("DELETE FROM ", kFactsOfDigest, ";");
        Statement erase(db_, sql.c_str());
        RETURN_IF_ERROR(erase.prepared("prepare erase"));
        Statement journal(db_,
                          "INSERT OR REPLACE INTO erasure_journal "
                          "(digest, request_id, erased_us) VALUES (?, ?, ?);");
        RETURN_IF_ERROR(journal.prepared("prepare erasure journal"));
        for (const crypto::Digest& digest : digests) {
          sqlite3_reset(erase.get());
          erase.BindBlob(1, crypto::DigestBytes(digest));
          RETURN_IF_ERROR(Run(db_, erase, "erase facts"));
          sqlite3_reset(journal.get());
          journal.BindBlob(1, crypto::DigestBytes(digest));
          journal.BindText(2, request_id);
          journal.BindInt(3, erased_us);
          RETURN_IF_ERROR(Run(db_, journal, "journal erasure"));
        }
        return absl::OkStatus();
      },
      tombstones);
}

absl::StatusOr<std::vector<int64_t>> SqlcipherStore::RectifyFacts(
    const crypto::Digest& from, absl::Span<const FactRecord> copies) {
  absl::MutexLock lock(&mu_);
  return WriteFacts(
      "rectify",
      [&]() -> absl::Status {
        const std::string sql =
            absl::StrCat("DELETE FROM ", kFactsOfDigest, " AND kind = ?2;");
        Statement drop(db_, sql.c_str());
        RETURN_IF_ERROR(drop.prepared("prepare rectify"));
        drop.BindBlob(1, crypto::DigestBytes(from));
        drop.BindInt(2, consent::v1::FACT_KIND_CONSENT_GRANTED);
        return Run(db_, drop, "delete rectified grants");
      },
      copies);
}

absl::Status SqlcipherStore::TruncateWal() {
  absl::MutexLock lock(&mu_);
  // Deleted rows' old page images live on in the WAL until it is folded
  // back and cut; secure_delete has already zeroed them in the new images.
  return ExecOn(db_, "PRAGMA wal_checkpoint(TRUNCATE);", "truncate WAL");
}

absl::Status SqlcipherStore::ScanFacts(
    absl::FunctionRef<absl::Status(const FactSummary&)> visit) {
  absl::MutexLock lock(&mu_);
  SetPageCache(db_, kScanPageCacheKiB);
  absl::Cleanup restore = [db = db_] { SetPageCache(db, kPageCacheKiB); };
  Statement scan(db_,
                 "SELECT fact_id, digest, kind, purpose, channel, occurred_us, "
                 "expires_us, subject_initiated FROM facts ORDER BY fact_id;");
  RETURN_IF_ERROR(scan.prepared("prepare scan"));
  FactSummary fact;
  return scan.ForEachRow("scan facts", [&] {
    fact.fact_id = scan.Int(0);
    fact.digest = scan.DigestColumn(1);
    fact.kind = static_cast<consent::v1::FactKind>(scan.Int(2));
    fact.purpose = scan.Text(3);
    fact.channel = scan.Text(4);
    fact.occurred_us = scan.Int(5);
    fact.expires_us = scan.ExpiryColumn(6);
    fact.subject_initiated = scan.Int(7) != 0;
    return visit(fact);
  });
}

absl::StatusOr<std::vector<FactRecord>> SqlcipherStore::FactsFor(
    const crypto::Digest& digest) {
  absl::MutexLock lock(&mu_);
  std::string sql =
      absl::StrCat("SELECT ", kFactColumns, " FROM ", kFactsOfDigest,
                   " ORDER BY occurred_us, fact_id;");
  Statement query(db_, sql.c_str());
  RETURN_IF_ERROR(query.prepared("prepare lookup"));
  query.BindBlob(1, crypto::DigestBytes(digest));
  std::vector<FactRecord> facts;
  RETURN_IF_ERROR(query.ForEachRow("look up facts", [&] {
    facts.push_back(ReadFact(query));
    return absl::OkStatus();
  }));
  return facts;
}

absl::StatusOr<int64_t> SqlcipherStore::StageList(const ListRecord& list) {
  absl::MutexLock lock(&mu_);
  Statement insert(db_,
                   "INSERT INTO suppression_lists (name, version, purposes, "
                   "channels, entries, rejected_entries, imported_us) "
                   "VALUES (NULL, ?, ?, ?, 0, 0, ?);");
  RETURN_IF_ERROR(insert.prepared("prepare stage list"));
  insert.BindText(1, list.version);
  insert.BindText(2, absl::StrJoin(list.purposes, ","));
  insert.BindText(3, absl::StrJoin(list.channels, ","));
  insert.BindInt(4, list.imported_us);
  RETURN_IF_ERROR(Run(db_, insert, "stage list"));
  return sqlite3_last_insert_rowid(db_);
}

absl::Status SqlcipherStore::AppendListEntries(
    int64_t list_id, absl::Span<const crypto::Digest> digests) {
  absl::MutexLock lock(&mu_);
  return InTransaction("append list entries", [&]() -> absl::Status {
    Statement insert(db_,
                     "INSERT OR IGNORE INTO suppression_entries "
                     "(list_id, digest) VALUES (?, ?);");
    RETURN_IF_ERROR(insert.prepared("prepare list entries"));
    for (const crypto::Digest& digest : digests) {
      sqlite3_reset(insert.get());
      insert.BindInt(1, list_id);
      insert.BindBlob(2, crypto::DigestBytes(digest));
      RETURN_IF_ERROR(Run(db_, insert, "append list entry"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ListRecord> SqlcipherStore::PublishList(
    int64_t list_id, const std::string& name, int64_t rejected_entries) {
  absl::MutexLock lock(&mu_);
  ListRecord published;
  absl::Status status = InTransaction("publish list", [&]() -> absl::Status {
    Statement drop(db_, "DELETE FROM suppression_lists WHERE name = ?;");
    RETURN_IF_ERROR(drop.prepared("prepare replace list"));
    drop.BindText(1, name);
    RETURN_IF_ERROR(Run(db_, drop, "replace list"));

    Statement publish(
        db_,
        "UPDATE suppression_lists SET name = ?, rejected_entries = ?, "
        "entries = (SELECT count(*) FROM suppression_entries "
        "WHERE list_id = ?) WHERE list_id = ? AND name IS NULL;");
    RETURN_IF_ERROR(publish.prepared("prepare publish list"));
    publish.BindText(1, name);
    publish.BindInt(2, rejected_entries);
    publish.BindInt(3, list_id);
    publish.BindInt(4, list_id);
    RETURN_IF_ERROR(Run(db_, publish, "publish list"));
    if (sqlite3_changes(db_) != 1) {
      return absl::NotFoundError("store: no staged list to publish");
    }

    std::string sql = absl::StrCat(
        "SELECT ", kListColumns, " FROM suppression_lists WHERE list_id = ?;");
    Statement read(db_, sql.c_str());
    RETURN_IF_ERROR(read.prepared("prepare read list"));
    read.BindInt(1, list_id);
    int rc = sqlite3_step(read.get());
    if (rc != SQLITE_ROW) return SqliteStatus(rc, db_, "read list");
    published = ReadList(read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return published;
}

absl::Status SqlcipherStore::DiscardStagedList(int64_t list_id) {
  absl::MutexLock lock(&mu_);
  Statement discard(
      db_, "DELETE FROM suppression_lists WHERE list_id = ? AND name IS NULL;");
  RETURN_IF_ERROR(discard.prepared("prepare discard list"));
  discard.BindInt(1, list_id);
  return Run(db_, discard, "discard list");
}

absl::Status SqlcipherStore::DropList(const std::string& name) {
  absl::MutexLock lock(&mu_);
  Statement drop(db_, "DELETE FROM suppression_lists WHERE name = ?;");
  RETURN_IF_ERROR(drop.prepared("prepare drop list"));
  drop.BindText(1, name);
  RETURN_IF_ERROR(Run(db_, drop, "drop list"));
  if (sqlite3_changes(db_) == 0) {
    return absl::NotFoundError("no suppression list of that name");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ListRecord>> SqlcipherStore::Lists() {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kListColumns,
                                 " FROM suppression_lists "
                                 "WHERE name IS NOT NULL ORDER BY name;");
  Statement query(db_, sql.c_str());
  RETURN_IF_ERROR(query.prepared("prepare lists"));
  std::vector<ListRecord> lists;
  RETURN_IF_ERROR(query.ForEachRow("read lists", [&] {
    lists.push_back(ReadList(query));
    return absl::OkStatus();
  }));
  return lists;
}

absl::Status SqlcipherStore::ScanListEntries(
    int64_t list_id, absl::FunctionRef<void(const crypto::Digest&)> visit) {
  absl::MutexLock lock(&mu_);
  SetPageCache(db_, kScanPageCacheKiB);
  absl::Cleanup restore = [db = db_] { SetPageCache(db, kPageCacheKiB); };
  Statement scan(db_,
                 "SELECT digest FROM suppression_entries WHERE list_id = ?;");
  RETURN_IF_ERROR(scan.prepared("prepare list scan"));
  scan.BindInt(1, list_id);
  return scan.ForEachRow("scan list", [&] {
    visit(scan.DigestColumn(0));
    return absl::OkStatus();
  });
}

absl::Status SqlcipherStore::SaveReceipt(const std::string& receipt_id,
                                         const std::string& receipt,
                                         int64_t scrubbed_us) {
  absl::MutexLock lock(&mu_);
  Statement insert(db_,
                   "INSERT INTO scrub_receipts (receipt_id, receipt, "
                   "scrubbed_us) VALUES (?, ?, ?);");
  RETURN_IF_ERROR(insert.prepared("prepare save receipt"));
  insert.BindText(1, receipt_id);
  insert.BindBlob(2, receipt);
  insert.BindInt(3, scrubbed_us);
  int rc = sqlite3_step(insert.get());
  if ((rc & 0xFF) == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError("a receipt with that id exists");
  }
  return rc == SQLITE_DONE ? absl::OkStatus()
                           : SqliteStatus(rc, db_, "save receipt");
}

absl::StatusOr<std::string> SqlcipherStore::LoadReceipt(
    const std::string& receipt_id) {
  absl::MutexLock lock(&mu_);
  return LoadBlob(db_,
                  "SELECT receipt FROM scrub_receipts WHERE receipt_id = ?;",
                  receipt_id, "load receipt", "no receipt with that id");
}

absl::Status SqlcipherStore::SaveRequest(const std::string& request_id,
                                         int state, int64_t due_us,
                                         const std::string& request) {
  absl::MutexLock lock(&mu_);
  Statement save(db_,
                 "INSERT OR REPLACE INTO data_subject_requests "
                 "(request_id, state, due_us, request) VALUES (?, ?, ?, ?);");
  RETURN_IF_ERROR(save.prepared("prepare save request"));
  save.BindText(1, request_id);
  save.BindInt(2, state);
  save.BindInt(3, due_us);
  save.BindBlob(4, request);
  return Run(db_, save, "save request");
}

absl::StatusOr<std::string> SqlcipherStore::LoadRequest(
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  return LoadBlob(
      db_, "SELECT request FROM data_subject_requests WHERE request_id = ?;",
      request_id, "load request", "no request with that id");
}

absl::StatusOr<std::vector<std::string>> SqlcipherStore::ListRequests(
    const RequestQuery& query) {
  absl::MutexLock lock(&mu_);
  // States are integers from an enum, so they go into the text directly.
  std::string sql =
      "SELECT request FROM data_subject_requests "
      "WHERE (due_us > ? OR (due_us = ? AND request_id > ?))";
  if (!query.states.empty()) {
    absl::StrAppend(&sql, " AND state IN (", absl::StrJoin(query.states, ","),
                    ")");
  }
  if (query.due_before_us != 0) absl::StrAppend(&sql, " AND due_us < ?");
  absl::StrAppend(&sql, " ORDER BY due_us, request_id LIMIT ?;");
  Statement list(db_, sql.c_str());
  RETURN_IF_ERROR(list.prepared("prepare list requests"));
  int next = 1;
  list.BindInt(next++, query.after_due_us);
  list.BindInt(next++, query.after_due_us);
  list.BindText(next++, query.after_id);
  if (query.due_before_us != 0) list.BindInt(next++, query.due_before_us);
  list.BindInt(next++, query.limit);
  std::vector<std::string> requests;
  RETURN_IF_ERROR(list.ForEachRow("list requests", [&] {
    requests.push_back(list.Blob(0));
    return absl::OkStatus();
  }));
  return requests;
}

}  // namespace consentd::store
