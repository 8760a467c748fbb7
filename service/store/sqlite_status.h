// How SQLite / SQLCipher result codes become absl::Status codes: decided
// here, once, by what the caller should do next.
//   busy, locked, I/O error      -> UNAVAILABLE         (retry later)
//   disk full                    -> RESOURCE_EXHAUSTED  (operator frees room)
//   read-only, cannot open, wrong key or not a database
//                                -> FAILED_PRECONDITION (operator fixes set-up)
//   corrupt                      -> DATA_LOSS
//   anything else                -> INTERNAL
#ifndef CONSENTD_SERVICE_STORE_SQLITE_STATUS_H_
#define CONSENTD_SERVICE_STORE_SQLITE_STATUS_H_

#include <sqlcipher/sqlite3.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace consentd::store {

// A status for SQLite result `rc`; `context` says what was being done. The
// message carries SQLite's text, which names tables and columns, never
// values.
absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context);

// Whether `status` says a file could not be read with the key it was given
// (wrong key, or not a database at all): another key may read it.
bool IsWrongKey(const absl::Status& status);

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SQLITE_STATUS_H_
