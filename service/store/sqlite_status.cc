#include "service/store/sqlite_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace consentd::store {
namespace {

constexpr char kWrongKeyPayload[] = "consentd.store/wrong-key";

}  // namespace

bool IsWrongKey(const absl::Status& status) {
  return status.GetPayload(kWrongKeyPayload).has_value();
}

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
    case SQLITE_NOTADB: {
      absl::Status status = absl::FailedPreconditionError(absl::StrCat(
          "store: ", context,
          ": cannot be read with this keyring (wrong key) or is not a "
          "consentd database"));
      status.SetPayload(kWrongKeyPayload, absl::Cord());
      return status;
    }
    case SQLITE_CORRUPT:
      return absl::DataLossError(
          absl::StrCat(message,
                       "; the file is damaged: restore a backup (consentd "
                       "--restore)"));
    default:
      return absl::InternalError(message);
  }
}

}  // namespace consentd::store
