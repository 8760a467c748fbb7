#include "service/store/sqlite_status.h"

#include "absl/strings/str_cat.h"

namespace consentd::store {

absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context) {
  const char* text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = absl::StrCat("store: ", context, ": ", text);
  switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
      return absl::OkStatus();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::FailedPreconditionError(message);
    case SQLITE_NOTADB:
      return absl::FailedPreconditionError(absl::StrCat(
          "store: ", context,
          ": cannot be read with this keyring (wrong key) or is not a "
          "consentd database"));
    case SQLITE_CORRUPT:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace consentd::store
