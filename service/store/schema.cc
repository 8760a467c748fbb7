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
    // External suppression lists. A list is staged (name NULL) while it is
    // imported, and published by naming it in the transaction that drops
    // the version it replaces.
    {2, R"sql(
CREATE TABLE suppression_lists (
  list_id          INTEGER PRIMARY KEY,
  name             TEXT,
  version          TEXT    NOT NULL,
  purposes         TEXT    NOT NULL,
  channels         TEXT    NOT NULL,
  entries          INTEGER NOT NULL,
  rejected_entries INTEGER NOT NULL,
  imported_us      INTEGER NOT NULL
);
CREATE UNIQUE INDEX suppression_lists_by_name ON suppression_lists (name);
CREATE TABLE suppression_entries (
  list_id INTEGER NOT NULL
          REFERENCES suppression_lists (list_id) ON DELETE CASCADE,
  digest  BLOB    NOT NULL CHECK (length(digest) = 32),
  PRIMARY KEY (list_id, digest)
) WITHOUT ROWID;
)sql"},
    // Signed scrub receipts, kept whole (serialized consent.v1.ScrubReceipt).
    {3, R"sql(
CREATE TABLE scrub_receipts (
  receipt_id  TEXT    PRIMARY KEY,
  receipt     BLOB    NOT NULL,
  scrubbed_us INTEGER NOT NULL
);
)sql"},
    // Data-subject requests, kept whole (serialized
    // consent.v1.DataSubjectRequest); state and due date for listing.
    {4, R"sql(
CREATE TABLE data_subject_requests (
  request_id TEXT    PRIMARY KEY,
  state      INTEGER NOT NULL,
  due_us     INTEGER NOT NULL,
  request    BLOB    NOT NULL
);
CREATE INDEX data_subject_requests_by_due
  ON data_subject_requests (due_us, request_id);
)sql"},
    // Every erasure, by digest: what a restore from an older backup must
    // erase again. Holds no personal data.
    {5, R"sql(
CREATE TABLE erasure_journal (
  digest     BLOB    NOT NULL CHECK (length(digest) = 32),
  request_id TEXT    NOT NULL,
  erased_us  INTEGER NOT NULL,
  PRIMARY KEY (digest, request_id)
) WITHOUT ROWID;
)sql"},
    // Facts are found by the first 8 bytes of their digest and then compared
    // whole. An entry of (digest, occurred_us) took ~50 bytes, ~19 to a
    // 1 KiB page; an 8-byte prefix takes ~17, ~57 to a page. Each write
    // lands on a random leaf, so fewer, fuller leaves mean fewer page splits
    // and pages written and encrypted per commit, and more of the index in
    // the page cache. One fact in 2^64 shares a prefix by chance.
    {6, R"sql(
CREATE INDEX facts_by_digest_prefix ON facts (substr(digest, 1, 8));
DROP INDEX facts_by_digest;
)sql"},
    // The authenticated principal that recorded each fact; '' for facts
    // recorded before consentd knew its callers.
    {7, R"sql(
ALTER TABLE facts ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';
)sql"},
    // The audit trail (audit_trail.h): hash-chained entries, appended in
    // the transaction of the change they record, and signed checkpoints
    // (serialized consent.v1.AuditCheckpoint). Subjects are concatenated
    // 32-byte digests; object ids are joined by newlines.
    {8, R"sql(
CREATE TABLE audit_entries (
  sequence      INTEGER PRIMARY KEY,
  at_us         INTEGER NOT NULL,
  actor         TEXT    NOT NULL,
  role          TEXT    NOT NULL,
  action        TEXT    NOT NULL,
  subjects      BLOB    NOT NULL,
  object_ids    TEXT    NOT NULL,
  previous_hash BLOB    NOT NULL,
  entry_hash    BLOB    NOT NULL
);
CREATE TABLE audit_checkpoints (
  sequence   INTEGER PRIMARY KEY,
  checkpoint BLOB    NOT NULL
);
)sql"},
    // Fingerprints of the keys the store is bound to (the blind-index key:
    // ConsentStore::BindIndexKey). No key material.
    {9, R"sql(
CREATE TABLE store_keys (
  name        TEXT PRIMARY KEY,
  fingerprint BLOB NOT NULL
);
)sql"},
    // Idempotency keys of writes (FactStore::AppendFacts): the first
    // write's request fingerprint, its answer (less the fact ids) and its
    // fact ids (packed 8-byte integers), kept for the policy's window.
    {10, R"sql(
CREATE TABLE idempotency_keys (
  principal       TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL,
  fingerprint     BLOB    NOT NULL,
  answer          BLOB    NOT NULL,
  fact_ids        BLOB    NOT NULL,
  recorded_us     INTEGER NOT NULL,
  PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (recorded_us);
)sql"},
};

}  // namespace

absl::Span<const Migration> SchemaMigrations() { return kMigrations; }

int LatestSchemaVersion() {
  return kMigrations[sizeof(kMigrations) / sizeof(kMigrations[0]) - 1].version;
}

}  // namespace consentd::store
