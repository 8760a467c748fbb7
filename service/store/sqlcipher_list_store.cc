#include "service/store/sqlcipher_list_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "service/store/sqlite_status.h"
#include "service/store/statement.h"

namespace consentd::store {
namespace {

using Session = SqlcipherConnection::Session;

constexpr char kListColumns[] =
    "list_id, name, version, purposes, channels, entries, rejected_entries, "
    "imported_us";

std::vector<std::string> SplitNames(const std::string& joined) {
  return joined.empty() ? std::vector<std::string>()
                        : absl::StrSplit(joined, ',');
}

ListRecord ReadList(const Statement& row) {
  ListRecord list;
  list.list_id = row.Int(0);
  list.name = row.Text(1);
  list.version = row.Text(2);
  list.purposes = SplitNames(row.Text(3));
  list.channels = SplitNames(row.Text(4));
  list.entries = row.Int(5);
  list.rejected_entries = row.Int(6);
  list.imported_us = row.Int(7);
  return list;
}

}  // namespace

absl::Status SqlcipherListStore::DiscardUnpublished() {
  Session session(*connection_);
  return session.Exec("DELETE FROM suppression_lists WHERE name IS NULL;",
                      "discard unpublished lists");
}

absl::StatusOr<int64_t> SqlcipherListStore::StageList(const ListRecord& list) {
  Session session(*connection_);
  Statement insert(session.db(),
                   "INSERT INTO suppression_lists (name, version, purposes, "
                   "channels, entries, rejected_entries, imported_us) "
                   "VALUES (NULL, ?, ?, ?, 0, 0, ?);");
  RETURN_IF_ERROR(insert.prepared("prepare stage list"));
  insert.BindText(1, list.version);
  insert.BindText(2, absl::StrJoin(list.purposes, ","));
  insert.BindText(3, absl::StrJoin(list.channels, ","));
  insert.BindInt(4, list.imported_us);
  RETURN_IF_ERROR(session.Run(insert, "stage list"));
  return sqlite3_last_insert_rowid(session.db());
}

absl::Status SqlcipherListStore::AppendListEntries(
    int64_t list_id, absl::Span<const crypto::Digest> digests) {
  Session session(*connection_);
  return session.InTransaction("append list entries", [&]() -> absl::Status {
    Statement insert(session.db(),
                     "INSERT OR IGNORE INTO suppression_entries "
                     "(list_id, digest) VALUES (?, ?);");
    RETURN_IF_ERROR(insert.prepared("prepare list entries"));
    for (const crypto::Digest& digest : digests) {
      sqlite3_reset(insert.get());
      insert.BindInt(1, list_id);
      insert.BindBlob(2, crypto::DigestBytes(digest));
      RETURN_IF_ERROR(session.Run(insert, "append list entry"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ListRecord> SqlcipherListStore::PublishList(
    int64_t list_id, const std::string& name, int64_t rejected_entries,
    const AuditDraft& audit) {
  Session session(*connection_);
  ListRecord published;
  absl::Status status =
      audit_
          ->Write(
              session, "publish list", {audit},
              [&](std::vector<int64_t>&) -> absl::Status {
                Statement drop(session.db(),
                               "DELETE FROM suppression_lists WHERE name = ?;");
                RETURN_IF_ERROR(drop.prepared("prepare replace list"));
                drop.BindText(1, name);
                RETURN_IF_ERROR(session.Run(drop, "replace list"));

                Statement publish(
                    session.db(),
                    "UPDATE suppression_lists SET name = ?, rejected_entries = "
                    "?, "
                    "entries = (SELECT count(*) FROM suppression_entries "
                    "WHERE list_id = ?) WHERE list_id = ? AND name IS NULL;");
                RETURN_IF_ERROR(publish.prepared("prepare publish list"));
                publish.BindText(1, name);
                publish.BindInt(2, rejected_entries);
                publish.BindInt(3, list_id);
                publish.BindInt(4, list_id);
                RETURN_IF_ERROR(session.Run(publish, "publish list"));
                if (sqlite3_changes(session.db()) != 1) {
                  return absl::NotFoundError(
                      "store: no staged list to publish");
                }

                std::string sql =
                    absl::StrCat("SELECT ", kListColumns,
                                 " FROM suppression_lists WHERE list_id = ?;");
                Statement read(session.db(), sql.c_str());
                RETURN_IF_ERROR(read.prepared("prepare read list"));
                read.BindInt(1, list_id);
                int rc = sqlite3_step(read.get());
                if (rc != SQLITE_ROW)
                  return SqliteStatus(rc, session.db(), "read list");
                published = ReadList(read);
                return absl::OkStatus();
              })
          .status();
  if (!status.ok()) return status;
  return published;
}

absl::Status SqlcipherListStore::DiscardStagedList(int64_t list_id) {
  Session session(*connection_);
  Statement discard(
      session.db(),
      "DELETE FROM suppression_lists WHERE list_id = ? AND name IS NULL;");
  RETURN_IF_ERROR(discard.prepared("prepare discard list"));
  discard.BindInt(1, list_id);
  return session.Run(discard, "discard list");
}

absl::Status SqlcipherListStore::DropList(const std::string& name,
                                          const AuditDraft& audit) {
  Session session(*connection_);
  return audit_
      ->Write(
          session, "drop list", {audit},
          [&](std::vector<int64_t>&) -> absl::Status {
            Statement drop(session.db(),
                           "DELETE FROM suppression_lists WHERE name = ?;");
            RETURN_IF_ERROR(drop.prepared("prepare drop list"));
            drop.BindText(1, name);
            RETURN_IF_ERROR(session.Run(drop, "drop list"));
            if (sqlite3_changes(session.db()) == 0) {
              return absl::NotFoundError("no suppression list of that name");
            }
            return absl::OkStatus();
          })
      .status();
}

absl::StatusOr<std::vector<ListRecord>> SqlcipherListStore::Lists() {
  Session session(*connection_);
  std::string sql = absl::StrCat("SELECT ", kListColumns,
                                 " FROM suppression_lists "
                                 "WHERE name IS NOT NULL ORDER BY name;");
  Statement query(session.db(), sql.c_str());
  RETURN_IF_ERROR(query.prepared("prepare lists"));
  std::vector<ListRecord> lists;
  RETURN_IF_ERROR(query.ForEachRow("read lists", [&] {
    lists.push_back(ReadList(query));
    return absl::OkStatus();
  }));
  return lists;
}

absl::Status SqlcipherListStore::ScanListEntries(
    int64_t list_id, absl::FunctionRef<void(const crypto::Digest&)> visit) {
  Session session(*connection_);
  return session.InScanCache([&] {
    Statement scan(session.db(),
                   "SELECT digest FROM suppression_entries WHERE list_id = ?;");
    RETURN_IF_ERROR(scan.prepared("prepare list scan"));
    scan.BindInt(1, list_id);
    return scan.ForEachRow("scan list", [&] {
      visit(scan.DigestColumn(0));
      return absl::OkStatus();
    });
  });
}

}  // namespace consentd::store
