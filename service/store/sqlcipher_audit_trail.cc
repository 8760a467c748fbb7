#include "service/store/sqlcipher_audit_trail.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "crypto/audit_chain.h"

namespace consentd::store {
namespace {

using Session = SqlcipherConnection::Session;

constexpr char kEntryColumns[] =
    "sequence, at_us, actor, role, action, subjects, object_ids, "
    "previous_hash, entry_hash";

std::string SubjectsBlob(absl::Span<const crypto::Digest> subjects) {
  std::string blob;
  blob.reserve(subjects.size() * sizeof(crypto::Digest));
  for (const crypto::Digest& s : subjects) {
    absl::StrAppend(&blob, crypto::DigestBytes(s));
  }
  return blob;
}

crypto::Digest DigestOf(absl::string_view bytes) {
  crypto::Digest digest{};
  if (bytes.size() == digest.size()) {
    std::memcpy(digest.data(), bytes.data(), digest.size());
  }
  return digest;
}

AuditRecord ReadEntry(const Statement& row) {
  AuditRecord entry;
  entry.sequence = row.Int(0);
  entry.at_us = row.Int(1);
  entry.actor = row.Text(2);
  entry.role = row.Text(3);
  entry.action = row.Text(4);
  const std::string subjects = row.Blob(5);
  // A blob that is no whole number of digests was tampered with: its last,
  // partial digest is read zero-padded, so the entry fails its hash check.
  for (size_t at = 0; at < subjects.size(); at += sizeof(crypto::Digest)) {
    crypto::Digest subject{};
    const size_t length =
        std::min(sizeof(crypto::Digest), subjects.size() - at);
    std::memcpy(subject.data(), subjects.data() + at, length);
    entry.subjects.push_back(subject);
  }
  const std::string ids = row.Text(6);
  if (!ids.empty()) entry.object_ids = absl::StrSplit(ids, '\n');
  entry.previous_hash = DigestOf(row.Blob(7));
  entry.entry_hash = DigestOf(row.Blob(8));
  return entry;
}

// A kept checkpoint, which must be for the entry it is kept under.
absl::StatusOr<consent::v1::AuditCheckpoint> ParseCheckpoint(
    int64_t sequence, const std::string& bytes) {
  consent::v1::AuditCheckpoint checkpoint;
  if (!checkpoint.ParseFromString(bytes) || checkpoint.sequence() != sequence) {
    return absl::DataLossError(
        absl::StrCat("store: the audit checkpoint kept at entry ", sequence,
                     " does not parse or names another entry"));
  }
  return checkpoint;
}

absl::Status CheckDrafts(absl::Span<const AuditDraft> drafts, size_t fact_ids) {
  size_t counted = 0;
  for (const AuditDraft& draft : drafts) {
    if (draft.fact_count < 0) {
      return absl::InvalidArgumentError("audit: negative fact count");
    }
    counted += static_cast<size_t>(draft.fact_count);
    for (const std::string& id : draft.object_ids) {
      if (id.find('\n') != std::string::npos) {
        return absl::InvalidArgumentError("audit: object id with a newline");
      }
    }
  }
  if (counted != fact_ids) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit: drafts account for ", counted, " facts of ", fact_ids));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlcipherAuditTrail>>
SqlcipherAuditTrail::Create(SqlcipherConnection* connection) {
  Session session(*connection);
  auto head = std::make_unique<Statement>(
      session.db(),
      "SELECT sequence, entry_hash FROM audit_entries "
      "ORDER BY sequence DESC LIMIT 1;");
  RETURN_IF_ERROR(head->prepared("prepare audit head"));
  auto insert = std::make_unique<Statement>(
      session.db(), absl::StrCat("INSERT INTO audit_entries (", kEntryColumns,
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);")
                        .c_str());
  RETURN_IF_ERROR(insert->prepared("prepare audit append"));
  return std::unique_ptr<SqlcipherAuditTrail>(
      new SqlcipherAuditTrail(connection, std::move(head), std::move(insert)));
}

SqlcipherAuditTrail::SqlcipherAuditTrail(SqlcipherConnection* connection,
                                         std::unique_ptr<Statement> head,
                                         std::unique_ptr<Statement> insert)
    : connection_(connection),
      head_(std::move(head)),
      insert_(std::move(insert)) {}

absl::StatusOr<AuditHead> SqlcipherAuditTrail::ReadHead(Session& /*held*/) {
  Statement& query = *head_;
  sqlite3_reset(query.get());
  AuditHead head;
  RETURN_IF_ERROR(query.ForEachRow("read audit head", [&] {
    head.sequence = query.Int(0);
    head.entry_hash = query.DigestColumn(1);
    return absl::OkStatus();
  }));
  return head;
}

absl::StatusOr<AuditHead> SqlcipherAuditTrail::AppendEntries(
    Session& session, absl::Span<const AuditDraft> drafts,
    absl::Span<const int64_t> fact_ids) {
  ASSIGN_OR_RETURN(AuditHead head, ReadHead(session));
  Statement& insert = *insert_;
  size_t next_fact = 0;
  for (const AuditDraft& draft : drafts) {
    AuditRecord entry;
    entry.sequence = head.sequence + 1;
    entry.at_us = draft.at_us;
    entry.actor = draft.actor;
    entry.role = draft.role;
    entry.action = draft.action;
    entry.subjects = draft.subjects;
    entry.object_ids = draft.object_ids;
    for (int i = 0; i < draft.fact_count; ++i) {
      entry.object_ids.push_back(absl::StrCat("fact:", fact_ids[next_fact++]));
    }
    entry.previous_hash = head.entry_hash;
    entry.entry_hash = crypto::AuditEntryHash(head.entry_hash, entry.Fields());
    sqlite3_reset(insert.get());
    insert.BindInt(1, entry.sequence);
    insert.BindInt(2, entry.at_us);
    insert.BindText(3, entry.actor);
    insert.BindText(4, entry.role);
    insert.BindText(5, entry.action);
    insert.BindBlob(6, SubjectsBlob(entry.subjects));
    insert.BindText(7, absl::StrJoin(entry.object_ids, "\n"));
    insert.BindBlob(8, crypto::DigestBytes(entry.previous_hash));
    insert.BindBlob(9, crypto::DigestBytes(entry.entry_hash));
    RETURN_IF_ERROR(session.Run(insert, "append audit entry"));
    head = {entry.sequence, entry.entry_hash};
  }
  sqlite3_clear_bindings(insert.get());
  return head;
}

absl::StatusOr<std::vector<int64_t>> SqlcipherAuditTrail::Write(
    Session& session, absl::string_view context,
    absl::Span<const AuditDraft> drafts,
    absl::FunctionRef<absl::Status(std::vector<int64_t>& fact_ids)> body) {
  std::vector<int64_t> fact_ids;
  AuditHead head;
  const absl::Status written =
      session.InTransaction(context, [&]() -> absl::Status {
        RETURN_IF_ERROR(body(fact_ids));
        RETURN_IF_ERROR(CheckDrafts(drafts, fact_ids.size()));
        ASSIGN_OR_RETURN(head, AppendEntries(session, drafts, fact_ids));
        return absl::OkStatus();
      });
  if (!written.ok()) return written;
  if (AuditWitness* witness = witness_.load();
      witness != nullptr && !drafts.empty()) {
    witness->Committed(head);
  }
  return fact_ids;
}

absl::StatusOr<int64_t> SqlcipherAuditTrail::Append(const AuditDraft& draft) {
  Session session(*connection_);
  RETURN_IF_ERROR(
      Write(session, "append audit entry", {draft}, [](std::vector<int64_t>&) {
        return absl::OkStatus();
      }).status());
  ASSIGN_OR_RETURN(AuditHead head, ReadHead(session));
  return head.sequence;
}

absl::Status SqlcipherAuditTrail::ScanEntries(
    int64_t from_sequence, int64_t limit,
    absl::FunctionRef<absl::Status(const AuditRecord&)> visit) {
  Session session(*connection_);
  Statement scan(session.db(),
                 absl::StrCat("SELECT ", kEntryColumns,
                              " FROM audit_entries WHERE sequence >= ? "
                              "ORDER BY sequence LIMIT ?;")
                     .c_str());
  RETURN_IF_ERROR(scan.prepared("prepare audit scan"));
  scan.BindInt(1, from_sequence);
  scan.BindInt(2, limit);
  return scan.ForEachRow("scan audit entries",
                         [&] { return visit(ReadEntry(scan)); });
}

absl::StatusOr<AuditHead> SqlcipherAuditTrail::Head() {
  Session session(*connection_);
  return ReadHead(session);
}

absl::Status SqlcipherAuditTrail::SaveCheckpoint(
    const consent::v1::AuditCheckpoint& checkpoint) {
  Session session(*connection_);
  Statement save(session.db(),
                 "INSERT OR REPLACE INTO audit_checkpoints "
                 "(sequence, checkpoint) VALUES (?, ?);");
  RETURN_IF_ERROR(save.prepared("prepare save checkpoint"));
  save.BindInt(1, checkpoint.sequence());
  save.BindBlob(2, checkpoint.SerializeAsString());
  return session.Run(save, "save checkpoint");
}

absl::StatusOr<consent::v1::AuditCheckpoint> SqlcipherAuditTrail::Checkpoint(
    int64_t sequence) {
  Session session(*connection_);
  Statement query(session.db(),
                  sequence == 0 ? "SELECT sequence, checkpoint FROM "
                                  "audit_checkpoints ORDER BY sequence DESC "
                                  "LIMIT 1;"
                                : "SELECT sequence, checkpoint FROM "
                                  "audit_checkpoints WHERE sequence = ?;");
  RETURN_IF_ERROR(query.prepared("prepare load checkpoint"));
  if (sequence != 0) query.BindInt(1, sequence);
  std::optional<consent::v1::AuditCheckpoint> found;
  RETURN_IF_ERROR(query.ForEachRow("load checkpoint", [&]() -> absl::Status {
    ASSIGN_OR_RETURN(found, ParseCheckpoint(query.Int(0), query.Blob(1)));
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("no audit checkpoint for that entry");
  return *std::move(found);
}

absl::Status SqlcipherAuditTrail::ScanCheckpoints(
    int64_t from_sequence, int64_t to_sequence,
    absl::FunctionRef<absl::Status(const consent::v1::AuditCheckpoint&)>
        visit) {
  Session session(*connection_);
  Statement scan(session.db(),
                 "SELECT sequence, checkpoint FROM audit_checkpoints "
                 "WHERE sequence BETWEEN ? AND ? ORDER BY sequence;");
  RETURN_IF_ERROR(scan.prepared("prepare scan checkpoints"));
  scan.BindInt(1, from_sequence);
  scan.BindInt(2, to_sequence);
  return scan.ForEachRow("scan checkpoints", [&]() -> absl::Status {
    consent::v1::AuditCheckpoint checkpoint;
    if (!checkpoint.ParseFromString(scan.Blob(1))) {
      return absl::DataLossError(absl::StrCat("store: the audit checkpoint at ",
                                              scan.Int(0), " does not parse"));
    }
    return visit(checkpoint);
  });
}

}  // namespace consentd::store
