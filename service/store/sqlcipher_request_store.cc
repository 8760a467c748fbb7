#include "service/store/sqlcipher_request_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "service/store/statement.h"

namespace consentd::store {

using Session = SqlcipherConnection::Session;

absl::Status SqlcipherRequestStore::SaveRequest(const std::string& request_id,
                                                consent::v1::RequestState state,
                                                int64_t due_us,
                                                const std::string& request,
                                                const AuditDraft& audit) {
  Session session(*connection_);
  return audit_
      ->Write(session, "save request", {audit},
              [&](std::vector<int64_t>&) -> absl::Status {
                Statement save(session.db(),
                               "INSERT OR REPLACE INTO data_subject_requests "
                               "(request_id, state, due_us, request) "
                               "VALUES (?, ?, ?, ?);");
                RETURN_IF_ERROR(save.prepared("prepare save request"));
                save.BindText(1, request_id);
                save.BindInt(2, state);
                save.BindInt(3, due_us);
                save.BindBlob(4, request);
                return session.Run(save, "save request");
              })
      .status();
}

absl::StatusOr<std::string> SqlcipherRequestStore::LoadRequest(
    const std::string& request_id) {
  Session session(*connection_);
  return session.LoadBlob(
      "SELECT request FROM data_subject_requests WHERE request_id = ?;",
      request_id, "load request", "no request with that id");
}

absl::StatusOr<int64_t> SqlcipherRequestStore::CountRequests(
    const RequestQuery& query) {
  Session session(*connection_);
  std::string sql = "SELECT count(*) FROM data_subject_requests WHERE 1";
  if (!query.states.empty()) {
    absl::StrAppend(&sql, " AND state IN (", absl::StrJoin(query.states, ","),
                    ")");
  }
  if (query.due_before_us != 0) absl::StrAppend(&sql, " AND due_us < ?");
  absl::StrAppend(&sql, ";");
  Statement count(session.db(), sql.c_str());
  RETURN_IF_ERROR(count.prepared("prepare count requests"));
  if (query.due_before_us != 0) count.BindInt(1, query.due_before_us);
  int64_t matched = 0;
  RETURN_IF_ERROR(count.ForEachRow("count requests", [&] {
    matched = count.Int(0);
    return absl::OkStatus();
  }));
  return matched;
}

absl::StatusOr<std::vector<std::string>> SqlcipherRequestStore::ListRequests(
    const RequestQuery& query) {
  Session session(*connection_);
  // States are integers from an enum, so they go into the text directly.
  std::string sql =
      "SELECT request FROM data_subject_requests "
      "WHERE (due_us > ? OR (due_us = ? AND request_id > ?))";
  if (!query.states.empty()) {
    absl::StrAppend(&sql, " AND state IN (", absl::StrJoin(query.states, ","),
                    ")");
  }
  if (query.due_before_us != 0) absl::StrAppend(&sql, " AND due_us < ?");
  absl::StrAppend(&sql, " ORDER BY due_us, request_id LIMIT ?;");
  Statement list(session.db(), sql.c_str());
  RETURN_IF_ERROR(list.prepared("prepare list requests"));
  int next = 1;
  list.BindInt(next++, query.after_due_us);
  list.BindInt(next++, query.after_due_us);
  list.BindText(next++, query.after_id);
  if (query.due_before_us != 0) list.BindInt(next++, query.due_before_us);
  list.BindInt(next++, query.limit);
  std::vector<std::string> requests;
  RETURN_IF_ERROR(list.ForEachRow("list requests", [&] {
    requests.push_back(list.Blob(0));
    return absl::OkStatus();
  }));
  return requests;
}

}  // namespace consentd::store
