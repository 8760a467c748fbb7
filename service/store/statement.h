// Statement: a prepared SQLite statement, finalised when destroyed, with
// the typed binds and column reads the store uses.
//
// Thread-safety: none; a statement belongs to its connection's user.
#ifndef CONSENTD_SERVICE_STORE_STATEMENT_H_
#define CONSENTD_SERVICE_STORE_STATEMENT_H_

#include <sqlcipher/sqlite3.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crypto/digest.h"
#include "service/store/fact_record.h"
#include "service/store/sqlite_status.h"

namespace consentd::store {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { Finalize(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  absl::Status prepared(absl::string_view context) const {
    return SqliteStatus(rc_, db_, context);
  }
  sqlite3_stmt* get() const { return stmt_; }

  // Finalises now (a connection closes only once its statements are
  // finalised); the statement is unusable afterwards.
  void Finalize() {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }

  void BindInt(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
  }
  void BindText(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(),
                      static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int index, absl::string_view value) {
    sqlite3_bind_blob(stmt_, index, value.data(),
                      static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int index) { sqlite3_bind_null(stmt_, index); }

  // Steps through every result row, calling `row` for each; stops at the
  // first error `row` returns.
  absl::Status ForEachRow(absl::string_view context,
                          absl::FunctionRef<absl::Status()> row) {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
      if (absl::Status status = row(); !status.ok()) return status;
    }
    return SqliteStatus(rc, db_, context);
  }

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         sqlite3_column_bytes(stmt_, column));
  }
  std::string Blob(int column) const {
    const void* blob = sqlite3_column_blob(stmt_, column);
    return blob == nullptr ? std::string()
                           : std::string(static_cast<const char*>(blob),
                                         sqlite3_column_bytes(stmt_, column));
  }
  crypto::Digest DigestColumn(int column) const {
    crypto::Digest digest{};
    if (sqlite3_column_bytes(stmt_, column) ==
        static_cast<int>(digest.size())) {
      std::memcpy(digest.data(), sqlite3_column_blob(stmt_, column),
                  digest.size());
    }
    return digest;
  }
  int64_t ExpiryColumn(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL ? kNeverExpires
                                                             : Int(column);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_STATEMENT_H_
