// The store's schema as an ordered list of migrations. The store's
// PRAGMA user_version names the last one applied; each migration runs in its
// own transaction, so a crash leaves the store at a whole version.
#ifndef CONSENTD_SERVICE_STORE_SCHEMA_H_
#define CONSENTD_SERVICE_STORE_SCHEMA_H_

#include "absl/types/span.h"

namespace consentd::store {

struct Migration {
  int version;
  const char* sql;
};

// Every migration, in version order (1, 2, ...).
absl::Span<const Migration> SchemaMigrations();

// The version a fully migrated store is at.
int LatestSchemaVersion();

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_SCHEMA_H_
