#include "store/cluster/outbox_rows.h"

#include "store/cluster/sql_rows.h"

namespace parley::store::sql {

using mysql::Param;

base::Result<void> InsertOutbox(mysql::Session& session,
                                const std::vector<const protocol::Message*>& messages,
                                std::int64_t now_ms) {
  std::vector<Param> params;
  params.reserve(messages.size() * 3);
  for (const protocol::Message* m : messages) {
    params.emplace_back(m->conversation_id);
    params.emplace_back(m->seq);
    params.emplace_back(now_ms);
  }
  return RunChunked(session,
                    "INSERT INTO webhook_outbox (conversation_id, seq, created_at) VALUES ", 3, "",
                    params, nullptr);
}

base::Result<std::vector<core::OutboxEntry>> ClaimOutbox(mysql::Session& session,
                                                         const std::string& owner,
                                                         std::size_t limit,
                                                         std::chrono::milliseconds lease,
                                                         std::int64_t now_ms) {
  // SKIP LOCKED: rows another gateway is claiming right now are not waited
  // for; that gateway gets them. A gateway's own claims are its own again:
  // it restarted (gateway ids are unique while running), or its last
  // Finish/Postpone failed.
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT id, conversation_id, seq, created_at, attempts FROM webhook_outbox "
                      "WHERE next_attempt_at <= ? AND (claimed_until <= ? OR claimed_by = ?) "
                      "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
                      {now_ms, now_ms, owner, static_cast<std::int64_t>(limit)}));
  std::vector<core::OutboxEntry> out;
  out.reserve(r.rows.size());
  for (const mysql::Row& row : r.rows) {
    core::OutboxEntry e;
    PARLEY_ASSIGN_OR_RETURN(e.id, IntAt(row, 0));
    e.conversation_id = StringAt(row, 1);
    PARLEY_ASSIGN_OR_RETURN(e.seq, IntAt(row, 2));
    PARLEY_ASSIGN_OR_RETURN(e.created_at, IntAt(row, 3));
    PARLEY_ASSIGN_OR_RETURN(e.attempts, IntAt(row, 4));
    out.push_back(std::move(e));
  }
  if (out.empty()) return out;
  std::vector<Param> params = {owner, now_ms + lease.count()};
  std::string sql = "UPDATE webhook_outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (";
  for (std::size_t i = 0; i < out.size(); ++i) {
    sql.append(i ? ",?" : "?");
    params.emplace_back(out[i].id);
  }
  sql.append(")");
  PARLEY_TRY(session.Execute(sql, params));
  return out;
}

base::Result<void> FinishOutbox(mysql::Session& session, const std::vector<std::int64_t>& ids) {
  // "id IN (?,...)" of at most kMaxChunk ids, in power-of-two sizes (sql_rows.h).
  std::size_t done = 0;
  while (done < ids.size()) {
    std::size_t chunk = kMaxChunk;
    while (chunk > ids.size() - done) chunk /= 2;
    std::string sql = "DELETE FROM webhook_outbox WHERE id IN (";
    std::vector<Param> params;
    for (std::size_t i = 0; i < chunk; ++i) {
      sql.append(i ? ",?" : "?");
      params.emplace_back(ids[done + i]);
    }
    sql.append(")");
    PARLEY_TRY(session.Execute(sql, params));
    done += chunk;
  }
  return {};
}

base::Result<void> PostponeOutbox(mysql::Session& session, const std::vector<std::int64_t>& ids,
                                  std::int64_t next_attempt_at) {
  for (std::int64_t id : ids) {
    PARLEY_TRY(session.Execute("UPDATE webhook_outbox SET attempts = attempts + 1, "
                               "next_attempt_at = ?, claimed_by = '', claimed_until = 0 "
                               "WHERE id = ?",
                               {next_attempt_at, id}));
  }
  return {};
}

}  // namespace parley::store::sql
