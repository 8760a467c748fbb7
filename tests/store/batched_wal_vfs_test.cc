#include "service/store/batched_wal_vfs.h"

#include <sqlcipher/sqlite3.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace consentd::store {
namespace {

constexpr char kVfs[] = "batched-wal-test";

// Write system calls made by this process so far (Linux task I/O
// accounting): what the VFS is there to save.
int64_t WriteCalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = -1;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  ADD_FAILURE() << "no syscw in /proc/self/io";
  return -1;
}

// One connection (plain SQLite: no key) in WAL mode with synchronous=FULL,
// through `vfs` (the default VFS when null).
class Connection {
 public:
  Connection(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    // SQLCipher's page size, on which a 600-byte row takes a page.
    Exec(
        "PRAGMA page_size = 1024; PRAGMA journal_mode = WAL;"
        "PRAGMA synchronous = FULL;");
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }

  // The first column of the first row `sql` returns.
  int64_t Int(const std::string& sql) { return std::stoll(Text(sql)); }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW) << sql;
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    std::string value =
        text != nullptr ? reinterpret_cast<const char*>(text) : "";
    sqlite3_finalize(stmt);
    return value;
  }

  // `count` rows of a 600-byte blob each: about one page apiece.
  void InsertRows(int first, int count) {
    Exec(absl::StrCat("WITH RECURSIVE n(i) AS (SELECT ", first,
                      " UNION ALL SELECT i + 1 ", "FROM n WHERE i < ",
                      first + count - 1, ") ",
                      "INSERT INTO t SELECT i, zeroblob(600) || i FROM n;"));
  }

 private:
  sqlite3* db_ = nullptr;
};

class BatchedWalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterBatchedWalVfs(kVfs, nullptr).ok());
  }
  std::string path() const { return dir_.File("test.db"); }

  // Write calls made by committing 40 one-page rows through `vfs`.
  int64_t WriteCallsOfOneCommit(const char* vfs) {
    Connection db(path(), vfs);
    db.Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, x BLOB);");
    db.Exec("BEGIN;");
    db.InsertRows(1, 40);
    const int64_t before = WriteCalls();
    db.Exec("COMMIT;");
    return WriteCalls() - before;
  }

  testing::TempDir dir_;
};

TEST_F(BatchedWalVfsTest, ACommitReachesTheWalInOneWrite) {
  EXPECT_LE(WriteCallsOfOneCommit(kVfs), 2);
}

TEST_F(BatchedWalVfsTest, ControlTheDefaultVfsWritesEachFrameTwice) {
  EXPECT_GE(WriteCallsOfOneCommit(nullptr), 80);
}

TEST_F(BatchedWalVfsTest, AnotherConnectionSeesEveryCommit) {
  Connection writer(path(), kVfs);
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB);");
  Connection reader(path(), nullptr);
  for (int round = 0; round < 5; ++round) {
    writer.InsertRows(round * 10, 10);
    EXPECT_EQ(reader.Int("SELECT count(*) FROM t;"), (round + 1) * 10);
  }
}

// A transaction larger than the page cache spills pages to the WAL before
// it commits (and may rewrite a spilled frame in place), and reads them
// back from there.
TEST_F(BatchedWalVfsTest, ATransactionReadsBackWhatItSpilled) {
  {
    Connection db(path(), kVfs);
    db.Exec("PRAGMA cache_size = 10;");
    db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB);");
    db.Exec("BEGIN;");
    db.InsertRows(0, 500);
    db.Exec(
        "UPDATE t SET x = zeroblob(590) || 'again' || id WHERE id % 7 = 0;");
    EXPECT_EQ(db.Int("SELECT count(*) FROM t WHERE x = zeroblob(600) || id;"),
              500 - 72);
    EXPECT_EQ(db.Int("SELECT count(*) FROM t WHERE "
                     "x = zeroblob(590) || 'again' || id;"),
              72);
    db.Exec("COMMIT;");
    db.Exec("PRAGMA wal_checkpoint(TRUNCATE);");
  }
  Connection reopened(path(), nullptr);
  EXPECT_EQ(reopened.Int("SELECT count(*) FROM t;"), 500);
  EXPECT_EQ(reopened.Int("SELECT sum(id) FROM t;"), 499 * 500 / 2);
  EXPECT_EQ(reopened.Text("PRAGMA integrity_check;"), "ok");
}

TEST_F(BatchedWalVfsTest, AnUnknownBaseIsNotFound) {
  EXPECT_EQ(RegisterBatchedWalVfs("batched-over-nothing", "no-such-vfs").code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace consentd::store
