#include "service/store/sqlcipher_fact_store.h"

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "service/store/sqlite_status.h"

namespace consentd::store {
namespace {

using Session = SqlcipherConnection::Session;

constexpr char kAppendFactSql[] =
    "INSERT INTO facts (digest, kind, purpose, channel, lawful_basis, "
    "collection_method, notice_version, evidence_reference, collector, "
    "source, occurred_us, recorded_us, expires_us, subject_initiated, "
    "lifted_refusal, policy_version, recorded_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);";

// The facts of the digest bound to ?1. INDEXED BY makes preparing fail,
// rather than fall back to a full scan, if the index cannot serve it.
constexpr char kFactsOfDigest[] =
    "facts INDEXED BY facts_by_digest_prefix "
    "WHERE substr(digest, 1, 8) = substr(?1, 1, 8) AND digest = ?1";

constexpr char kFactColumns[] =
    "fact_id, digest, kind, purpose, channel, lawful_basis, "
    "collection_method, notice_version, evidence_reference, collector, "
    "source, occurred_us, recorded_us, expires_us, subject_initiated, "
    "lifted_refusal, policy_version, recorded_by";

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
  fact.recorded_by = row.Text(17);
  return fact;
}

void BindFact(const FactRecord& fact, Statement& insert) {
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
  insert.BindText(17, fact.recorded_by);
}

// Fact ids as the idempotency_keys table keeps them: 8 bytes each, little
// endian.
std::string PackIds(absl::Span<const int64_t> ids) {
  std::string packed;
  packed.reserve(8 * ids.size());
  for (int64_t id : ids) {
    for (int shift = 0; shift < 64; shift += 8) {
      packed.push_back(
          static_cast<char>((static_cast<uint64_t>(id) >> shift) & 0xFF));
    }
  }
  return packed;
}

std::vector<int64_t> UnpackIds(absl::string_view packed) {
  std::vector<int64_t> ids;
  for (size_t at = 0; at + 8 <= packed.size(); at += 8) {
    uint64_t id = 0;
    for (int byte = 7; byte >= 0; --byte) {
      id = (id << 8) | static_cast<uint8_t>(packed[at + byte]);
    }
    ids.push_back(static_cast<int64_t>(id));
  }
  return ids;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlcipherFactStore>> SqlcipherFactStore::Create(
    SqlcipherConnection* connection, SqlcipherAuditTrail* audit) {
  Session session(*connection);
  auto append = std::make_unique<Statement>(session.db(), kAppendFactSql);
  RETURN_IF_ERROR(append->prepared("prepare append"));
  return std::unique_ptr<SqlcipherFactStore>(
      new SqlcipherFactStore(connection, audit, std::move(append)));
}

SqlcipherFactStore::SqlcipherFactStore(SqlcipherConnection* connection,
                                       SqlcipherAuditTrail* audit,
                                       std::unique_ptr<Statement> append)
    : connection_(connection), audit_(audit), append_(std::move(append)) {}

absl::StatusOr<std::vector<int64_t>> SqlcipherFactStore::WriteFacts(
    Session& session, absl::string_view context,
    absl::FunctionRef<absl::Status()> before,
    absl::Span<const FactRecord> facts, absl::Span<const AuditDraft> audit,
    absl::FunctionRef<absl::Status(absl::Span<const int64_t>)> after) {
  return audit_->Write(
      session, context, audit, [&](std::vector<int64_t>& ids) -> absl::Status {
        RETURN_IF_ERROR(before());
        Statement& insert = *append_;
        // The last fact's evidence stays bound until cleared.
        absl::Cleanup unbind = [&insert] {
          sqlite3_reset(insert.get());
          sqlite3_clear_bindings(insert.get());
        };
        ids.reserve(facts.size());
        for (const FactRecord& fact : facts) {
          sqlite3_reset(insert.get());
          BindFact(fact, insert);
          RETURN_IF_ERROR(session.Run(insert, "append fact"));
          ids.push_back(sqlite3_last_insert_rowid(session.db()));
        }
        return after(ids);
      });
}

absl::StatusOr<std::optional<HeldClaim>> SqlcipherFactStore::FindClaimIn(
    Session& session, const std::string& principal, const std::string& key) {
  Statement find(session.db(),
                 "SELECT fingerprint, answer, fact_ids FROM idempotency_keys "
                 "WHERE principal = ? AND idempotency_key = ?;");
  RETURN_IF_ERROR(find.prepared("prepare find idempotency key"));
  find.BindText(1, principal);
  find.BindText(2, key);
  std::optional<HeldClaim> held;
  RETURN_IF_ERROR(find.ForEachRow("find idempotency key", [&] {
    held.emplace();
    held->fingerprint = find.DigestColumn(0);
    held->answer = find.Blob(1);
    held->fact_ids = UnpackIds(find.Blob(2));
    return absl::OkStatus();
  }));
  return held;
}

absl::StatusOr<std::optional<HeldClaim>> SqlcipherFactStore::FindClaim(
    const std::string& principal, const std::string& key) {
  Session session(*connection_);
  return FindClaimIn(session, principal, key);
}

absl::Status SqlcipherFactStore::ForgetClaims(int64_t before_us) {
  // A thousand at a time, each in a session of its own: a day's keys at
  // dialler rates would otherwise hold the connection (and every commit)
  // for seconds.
  constexpr int kClaimsPerStep = 1000;
  while (true) {
    Session session(*connection_);
    Statement forget(session.db(),
                     "DELETE FROM idempotency_keys WHERE rowid IN (SELECT "
                     "rowid FROM idempotency_keys WHERE recorded_us < ? "
                     "LIMIT ?);");
    RETURN_IF_ERROR(forget.prepared("prepare forget idempotency keys"));
    forget.BindInt(1, before_us);
    forget.BindInt(2, kClaimsPerStep);
    RETURN_IF_ERROR(session.Run(forget, "forget idempotency keys"));
    if (sqlite3_changes(session.db()) < kClaimsPerStep) {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<AppendOutcome> SqlcipherFactStore::AppendFacts(
    absl::Span<const FactRecord> facts, absl::Span<const AuditDraft> audit,
    absl::Span<const IdempotencyClaim> claims) {
  if (!claims.empty() && claims.size() != audit.size()) {
    return absl::InvalidArgumentError(
        "store: one idempotency claim per write, or none");
  }
  // The session holds the only connection to the store from here to the
  // commit, so no write can claim a key between the look-up and the insert.
  Session session(*connection_);
  AppendOutcome outcome;
  outcome.replayed.resize(audit.size());
  std::vector<FactRecord> kept_facts;
  std::vector<AuditDraft> kept_audit;
  // Of each write kept: its index, and whether it claims a key.
  std::vector<size_t> kept_writes;
  // Keys claimed by a write of this call, and that write's index.
  absl::flat_hash_map<std::pair<std::string, std::string>, size_t> claimed;
  std::vector<std::optional<size_t>> replay_of(audit.size());
  size_t next = 0;
  for (size_t i = 0; i < audit.size(); ++i) {
    const size_t count = static_cast<size_t>(std::max(audit[i].fact_count, 0));
    if (next + count > facts.size()) break;  // CheckDrafts reports it
    const absl::Span<const FactRecord> mine = facts.subspan(next, count);
    next += count;
    if (!claims.empty() && !claims[i].key.empty()) {
      auto earlier = claimed.find({claims[i].principal, claims[i].key});
      if (earlier != claimed.end()) {
        replay_of[i] = earlier->second;
        continue;
      }
      ASSIGN_OR_RETURN(
          outcome.replayed[i],
          FindClaimIn(session, claims[i].principal, claims[i].key));
      if (outcome.replayed[i].has_value()) continue;
      if (claims[i].replay_only) continue;  // nothing to join: not written
      claimed[{claims[i].principal, claims[i].key}] = i;
    }
    kept_facts.insert(kept_facts.end(), mine.begin(), mine.end());
    kept_audit.push_back(audit[i]);
    kept_writes.push_back(i);
  }
  if (next != facts.size()) {
    return absl::InvalidArgumentError(
        "store: the writes' fact counts do not add up to the facts");
  }
  // Each kept write's ids, by write index.
  std::vector<std::vector<int64_t>> ids_of(audit.size());
  ASSIGN_OR_RETURN(
      outcome.fact_ids,
      WriteFacts(
          session, "append facts", [] { return absl::OkStatus(); }, kept_facts,
          kept_audit,
          [&](absl::Span<const int64_t> ids) -> absl::Status {
            Statement claim(session.db(),
                            "INSERT INTO idempotency_keys (principal, "
                            "idempotency_key, fingerprint, answer, fact_ids, "
                            "recorded_us) VALUES (?, ?, ?, ?, ?, ?);");
            RETURN_IF_ERROR(claim.prepared("prepare claim idempotency key"));
            size_t at = 0;
            for (size_t i : kept_writes) {
              const size_t count =
                  static_cast<size_t>(std::max(audit[i].fact_count, 0));
              if (at + count > ids.size()) break;  // CheckDrafts reports it
              ids_of[i].assign(ids.begin() + at, ids.begin() + at + count);
              at += count;
              if (claims.empty() || claims[i].key.empty()) continue;
              sqlite3_reset(claim.get());
              claim.BindText(1, claims[i].principal);
              claim.BindText(2, claims[i].key);
              claim.BindBlob(3, crypto::DigestBytes(claims[i].fingerprint));
              claim.BindBlob(4, claims[i].answer);
              claim.BindBlob(5, PackIds(ids_of[i]));
              claim.BindInt(6, claims[i].recorded_us);
              RETURN_IF_ERROR(session.Run(claim, "claim idempotency key"));
            }
            return absl::OkStatus();
          }));
  for (size_t i = 0; i < audit.size(); ++i) {
    if (!replay_of[i].has_value()) continue;
    const IdempotencyClaim& first = claims[*replay_of[i]];
    outcome.replayed[i] =
        HeldClaim{first.fingerprint, first.answer, ids_of[*replay_of[i]]};
  }
  return outcome;
}

absl::StatusOr<std::vector<int64_t>> SqlcipherFactStore::EraseFacts(
    absl::Span<const crypto::Digest> digests,
    absl::Span<const FactRecord> tombstones, const std::string& request_id,
    int64_t erased_us, int64_t recorded_up_to_us, const AuditDraft& audit) {
  Session session(*connection_);
  return WriteFacts(
      session, "erase",
      [&]() -> absl::Status {
        const std::string sql = absl::StrCat("DELETE FROM ", kFactsOfDigest,
                                             " AND recorded_us <= ?2;");
        Statement erase(session.db(), sql.c_str());
        RETURN_IF_ERROR(erase.prepared("prepare erase"));
        Statement journal(session.db(),
                          "INSERT OR REPLACE INTO erasure_journal "
                          "(digest, request_id, erased_us) VALUES (?, ?, ?);");
        RETURN_IF_ERROR(journal.prepared("prepare erasure journal"));
        for (const crypto::Digest& digest : digests) {
          sqlite3_reset(erase.get());
          erase.BindBlob(1, crypto::DigestBytes(digest));
          erase.BindInt(2, recorded_up_to_us);
          RETURN_IF_ERROR(session.Run(erase, "erase facts"));
          sqlite3_reset(journal.get());
          journal.BindBlob(1, crypto::DigestBytes(digest));
          journal.BindText(2, request_id);
          journal.BindInt(3, erased_us);
          RETURN_IF_ERROR(session.Run(journal, "journal erasure"));
        }
        return absl::OkStatus();
      },
      tombstones, {audit},
      [](absl::Span<const int64_t>) { return absl::OkStatus(); });
}

absl::StatusOr<std::vector<int64_t>> SqlcipherFactStore::RectifyFacts(
    const crypto::Digest& from, absl::Span<const FactRecord> copies,
    const AuditDraft& audit) {
  Session session(*connection_);
  return WriteFacts(
      session, "rectify",
      [&]() -> absl::Status {
        const std::string sql =
            absl::StrCat("DELETE FROM ", kFactsOfDigest, " AND kind = ?2;");
        Statement drop(session.db(), sql.c_str());
        RETURN_IF_ERROR(drop.prepared("prepare rectify"));
        drop.BindBlob(1, crypto::DigestBytes(from));
        drop.BindInt(2, consent::v1::FACT_KIND_CONSENT_GRANTED);
        return session.Run(drop, "delete rectified grants");
      },
      copies, {audit},
      [](absl::Span<const int64_t>) { return absl::OkStatus(); });
}

absl::Status SqlcipherFactStore::PurgeDeletedCopies() {
  Session session(*connection_);
  // Deleted rows' old page images live on in the WAL until it is folded
  // back and cut; secure_delete has already zeroed them in the new images.
  // The pragma answers one row whose first column is 1 when a reader kept
  // it from finishing: then old images may still be in the WAL.
  Statement checkpoint(session.db(), "PRAGMA wal_checkpoint(TRUNCATE);");
  RETURN_IF_ERROR(checkpoint.prepared("prepare truncate WAL"));
  int rc = sqlite3_step(checkpoint.get());
  if (rc != SQLITE_ROW) return SqliteStatus(rc, session.db(), "truncate WAL");
  if (checkpoint.Int(0) != 0) {
    return absl::UnavailableError(
        "store: a reader kept the WAL from being truncated; retry");
  }
  return absl::OkStatus();
}

absl::Status SqlcipherFactStore::ScanFacts(
    absl::FunctionRef<absl::Status(const FactSummary&)> visit) {
  Session session(*connection_);
  return session.InScanCache([&] {
    Statement scan(
        session.db(),
        "SELECT fact_id, digest, kind, purpose, channel, recorded_us, "
        "expires_us, subject_initiated FROM facts ORDER BY fact_id;");
    RETURN_IF_ERROR(scan.prepared("prepare scan"));
    FactSummary fact;
    return scan.ForEachRow("scan facts", [&] {
      fact.fact_id = scan.Int(0);
      fact.digest = scan.DigestColumn(1);
      fact.kind = static_cast<consent::v1::FactKind>(scan.Int(2));
      fact.purpose = scan.Text(3);
      fact.channel = scan.Text(4);
      fact.recorded_us = scan.Int(5);
      fact.expires_us = scan.ExpiryColumn(6);
      fact.subject_initiated = scan.Int(7) != 0;
      return visit(fact);
    });
  });
}

absl::StatusOr<std::vector<FactRecord>> SqlcipherFactStore::FactsFor(
    const crypto::Digest& digest) {
  Session session(*connection_);
  std::string sql =
      absl::StrCat("SELECT ", kFactColumns, " FROM ", kFactsOfDigest,
                   " ORDER BY recorded_us, fact_id;");
  Statement query(session.db(), sql.c_str());
  RETURN_IF_ERROR(query.prepared("prepare lookup"));
  query.BindBlob(1, crypto::DigestBytes(digest));
  std::vector<FactRecord> facts;
  RETURN_IF_ERROR(query.ForEachRow("look up facts", [&] {
    facts.push_back(ReadFact(query));
    return absl::OkStatus();
  }));
  return facts;
}

}  // namespace consentd::store
