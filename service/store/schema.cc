#include "service/store/schema.h"

namespace consentd::store {
namespace {

// SQLite 3.15 dialect: no UPSERT, no RETURNING, no window functions, no
// STRICT tables. Never edit a shipped migration; add the next one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE facts (
  fact_id            INTEGER PRIMARY KEY,
  digest             BLOB    NOT NULL CHECK (length(digest) = 32),
  kind               INTEGER NOT NULL,
  purpose            TEXT    NOT NULL,
  channel            TEXT    NOT NULL,
  lawful_basis       INTEGER NOT NULL,
  collection_method  INTEGER NOT NULL,
  notice_version     TEXT    NOT NULL,
  evidence_reference TEXT    NOT NULL,
  collector          TEXT    NOT NULL,
  source             TEXT    NOT NULL,
  occurred_us        INTEGER NOT NULL,
  recorded_us        INTEGER NOT NULL,
  expires_us         INTEGER,
  subject_initiated  INTEGER NOT NULL,
  lifted_refusal     INTEGER NOT NULL,
  policy_version     TEXT    NOT NULL
);
CREATE INDEX facts_by_digest ON facts (digest, occurred_us);
)sql"},
};

}  // namespace

absl::Span<const Migration> SchemaMigrations() { return kMigrations; }

int LatestSchemaVersion() {
  return kMigrations[sizeof(kMigrations) / sizeof(kMigrations[0]) - 1].version;
}

}  // namespace consentd::store
