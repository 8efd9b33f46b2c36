#include "store/cluster/batch_writer.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "store/cluster/event_rows.h"
#include "store/cluster/outbox_rows.h"
#include "store/cluster/sql_rows.h"

namespace parley::store {
namespace {

using mysql::Param;

// A user's state row for a conversation, as the batch leaves it.
struct StateChange {
  bool reset = false;    // deleted at some point of the batch
  bool present = false;  // exists at the end of the batch
  std::int64_t ack = 0;
};
using StateChanges = std::map<std::pair<std::string, std::string>, StateChange>;

void Touch(StateChanges& changes, const std::string& user, const std::string& conv,
           std::int64_t ack) {
  StateChange& c = changes[{user, conv}];
  c.present = true;
  c.ack = std::max(c.ack, ack);
}

void Remove(StateChanges& changes, const std::string& user, const std::string& conv) {
  StateChange& c = changes[{user, conv}];
  c.reset = true;
  c.present = false;
  c.ack = 0;
}

base::Result<std::uint64_t> InsertMessages(mysql::Session& session,
                                           const std::vector<const CommitItem*>& items) {
  std::vector<Param> params;
  params.reserve(items.size() * sql::kMessageColumnCount);
  for (const CommitItem* item : items) sql::AddMessageParams(item->message, params);
  std::uint64_t inserted = 0;
  // The no-op update makes a duplicate key "affect" 0 rows instead of failing
  // the whole batch; the caller then finds out which rows were not ours.
  PARLEY_TRY(sql::RunChunked(
                   session,
                   "INSERT INTO timeline_message (" + std::string(sql::kMessageColumns) +
                       ") VALUES ",
                   sql::kMessageColumnCount, " ON DUPLICATE KEY UPDATE status = status", params,
                   [&](mysql::QueryResult& r) { inserted += r.affected_rows; }));
  return inserted;
}

base::Result<std::uint64_t> WriteHole(mysql::Session& session, const protocol::Message& m) {
  return sql::WriteHole(session, m.conversation_id, m.seq, m.send_time);
}

// The slow path: which appends' rows are really theirs.
base::Result<std::vector<ItemOutcome>> Verify(mysql::Session& session,
                                              const std::vector<const CommitItem*>& items) {
  std::vector<Param> params;
  for (const CommitItem* item : items) {
    params.emplace_back(item->message.sender_id);
    params.emplace_back(item->message.msg_id);
  }
  std::map<std::pair<std::string, std::string>, protocol::Message> found;
  base::Result<void> parsed;
  PARLEY_TRY(sql::RunChunked(session,
                               "SELECT " + std::string(sql::kMessageColumns) +
                                   " FROM timeline_message WHERE (sender_id, msg_id) IN (",
                               2, ")", params, [&](mysql::QueryResult& r) {
                                 for (const mysql::Row& row : r.rows) {
                                   auto m = sql::MessageFromRow(row);
                                   if (!m) {
                                     parsed = m.error();
                                     continue;
                                   }
                                   auto key = std::make_pair(m->sender_id, m->msg_id);
                                   found.insert_or_assign(std::move(key), std::move(*m));
                                 }
                               }));
  if (!parsed) return parsed.error();

  std::vector<ItemOutcome> out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const protocol::Message& m = items[i]->message;
    auto it = found.find({m.sender_id, m.msg_id});
    if (it == found.end()) {
      out[i].kind = ItemOutcome::Kind::kSeqTaken;
    } else if (it->second.conversation_id == m.conversation_id && it->second.seq == m.seq) {
      if (it->second != m) {  // a reclaiming retry's row, not ours
        out[i].kind = ItemOutcome::Kind::kDuplicate;
        out[i].original = it->second;
      }
    } else {
      out[i].kind = ItemOutcome::Kind::kDuplicate;
      out[i].original = it->second;
      // Our seq will never hold a message.
      PARLEY_TRY(WriteHole(session, m));
    }
  }
  return out;
}

// Whether readers may already have skipped `m.seq` as a hole: the first row
// above it (whose age readers take as the gap's) is older than `late_limit`.
base::Result<bool> TooLate(mysql::Session& session, const protocol::Message& m,
                           std::chrono::milliseconds late_limit) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT TIMESTAMPDIFF(MICROSECOND, created_at, NOW(6)) FROM "
                      "timeline_message WHERE conversation_id = ? AND seq > ? ORDER BY seq "
                      "LIMIT 1",
                      {m.conversation_id, m.seq}));
  if (r.rows.empty()) return false;
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t age_us, sql::IntAt(r.rows[0], 0));
  return age_us > std::chrono::duration_cast<std::chrono::microseconds>(late_limit).count();
}

// A retry at the seq its failed first attempt reserved (see the header). The
// INSERT comes before any locking read, so two gateways reclaiming the same
// seq queue on its primary key instead of deadlocking on gap locks; the
// loser then reads the winner's committed row (LOCK IN SHARE MODE reads the
// newest version, not this transaction's snapshot).
base::Result<ItemOutcome> Reclaim(mysql::Session& session, const CommitItem& item,
                                  std::chrono::milliseconds late_limit) {
  const protocol::Message& m = item.message;
  PARLEY_ASSIGN_OR_RETURN(const bool late, TooLate(session, m, late_limit));
  ItemOutcome out;
  std::uint64_t inserted = 0;
  if (late) {
    PARLEY_ASSIGN_OR_RETURN(inserted, WriteHole(session, m));
  } else {
    std::vector<Param> row;
    sql::AddMessageParams(m, row);
    PARLEY_ASSIGN_OR_RETURN(
        mysql::QueryResult r,
        session.Execute("INSERT INTO timeline_message (" + std::string(sql::kMessageColumns) +
                            ") VALUES " + sql::Tuple(sql::kMessageColumnCount) +
                            " ON DUPLICATE KEY UPDATE status = status",
                            row));
    inserted = r.affected_rows;
  }
  if (inserted == 1) {
    out.kind = late ? ItemOutcome::Kind::kTooLate : ItemOutcome::Kind::kStored;
    return out;
  }
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT " + std::string(sql::kMessageColumns) +
                          " FROM timeline_message WHERE sender_id = ? AND msg_id = ? "
                          "LOCK IN SHARE MODE",
                      {m.sender_id, m.msg_id}));
  if (r.rows.empty()) {
    out.kind = ItemOutcome::Kind::kSeqTaken;
    return out;
  }
  PARLEY_ASSIGN_OR_RETURN(protocol::Message original, sql::MessageFromRow(r.rows[0]));
  if (original.conversation_id != m.conversation_id || original.seq != m.seq) {
    PARLEY_TRY(WriteHole(session, m));  // stored elsewhere: the reserved seq stays empty
  }
  out.kind = ItemOutcome::Kind::kDuplicate;
  out.original = std::move(original);
  return out;
}

base::Result<void> WriteChange(mysql::Session& session, const protocol::Message& m,
                               const GroupChangeRows& change, StateChanges& states) {
  const std::string& gid = change.group_id;
  const std::string& conv = m.conversation_id;
  if (change.create) {
    const std::vector<Param> row = {gid,
                                    change.name,
                                    change.owner_id,
                                    change.created_at,
                                    change.join_policy,
                                    change.history_visibility,
                                    change.send_policy};
    PARLEY_TRY(session.Execute(sql::kUpsertGroup, row));
  } else {
    if (change.owner_changed) {
      const std::vector<Param> row = {change.owner_id, gid};
      PARLEY_TRY(session.Execute("UPDATE `groups` SET owner_id = ? WHERE group_id = ?", row));
    }
    if (change.settings_changed) {
      const std::vector<Param> row = {change.join_policy, change.history_visibility,
                                      change.send_policy, gid};
      PARLEY_TRY(session.Execute("UPDATE `groups` SET join_policy = ?, history_visibility = ?, "
                                 "send_policy = ? WHERE group_id = ?",
                                 row));
    }
  }
  for (const auto& [user, join_time] : change.added) {
    const std::vector<Param> row = {gid, user, join_time, m.seq};
    PARLEY_TRY(session.Execute("INSERT INTO group_member (group_id, user_id, role, join_time, "
                               "join_seq) VALUES (?, ?, 0, ?, ?) ON DUPLICATE KEY UPDATE "
                               "join_time = VALUES(join_time), join_seq = VALUES(join_seq)",
                               row));
    // What was said before the member joined counts as read.
    Touch(states, user, conv, m.seq - 1);
  }
  for (const std::string& user : change.removed) {
    const std::vector<Param> row = {gid, user};
    PARLEY_TRY(session.Execute("DELETE FROM group_member WHERE group_id = ? AND user_id = ?", row));
    Remove(states, user, conv);
  }
  for (const std::string& user : change.banned) {
    const std::vector<Param> row = {gid, user};
    PARLEY_TRY(session.Execute("INSERT IGNORE INTO group_ban (group_id, user_id) VALUES (?, ?)",
                               row));
  }
  for (const std::string& user : change.unbanned) {
    const std::vector<Param> row = {gid, user};
    PARLEY_TRY(session.Execute("DELETE FROM group_ban WHERE group_id = ? AND user_id = ?", row));
  }
  // Members join as plain members; the rows whose role or mute differ follow.
  for (const GroupChangeRows::MemberRole& member : change.touched) {
    const std::vector<Param> row = {static_cast<std::int64_t>(member.role), member.muted_until,
                                    gid, member.user_id};
    PARLEY_TRY(session.Execute(
        "UPDATE group_member SET role = ?, muted_until = ? WHERE group_id = ? AND user_id = ?",
        row));
  }
  return {};
}

base::Result<void> WriteStates(mysql::Session& session, const StateChanges& states) {
  std::vector<Param> upserts;
  for (const auto& [key, change] : states) {
    if (change.reset) {
      const std::vector<Param> row = {key.first, key.second};
      PARLEY_TRY(session.Execute(
              "DELETE FROM user_conversation_state WHERE user_id = ? AND conversation_id = ?",
              row));
    }
    if (change.present) {
      upserts.emplace_back(key.first);
      upserts.emplace_back(key.second);
      upserts.emplace_back(change.ack);
    }
  }
  if (upserts.empty()) return {};
  return sql::RunChunked(session,
                         "INSERT INTO user_conversation_state (user_id, conversation_id, "
                         "last_ack_seq) VALUES ",
                         3,
                         " ON DUPLICATE KEY UPDATE last_ack_seq = "
                         "GREATEST(last_ack_seq, VALUES(last_ack_seq))",
                         upserts, nullptr);
}

}  // namespace

base::Result<std::vector<ItemOutcome>> WriteBatch(mysql::Session& session,
                                                  const std::vector<const CommitItem*>& items,
                                                  std::chrono::milliseconds late_limit,
                                                  std::int64_t now_ms) {
  std::vector<ItemOutcome> outcomes(items.size());
  std::vector<const CommitItem*> fresh;
  std::vector<std::size_t> fresh_index;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i]->reclaimed) {
      fresh.push_back(items[i]);
      fresh_index.push_back(i);
    }
  }
  // Fresh appends first: Verify's plain SELECT must be the transaction's
  // first consistent read, so its snapshot includes rows that made the
  // INSERT find a duplicate key. Reclaims read only old rows plainly.
  if (!fresh.empty()) {
    PARLEY_ASSIGN_OR_RETURN(const std::uint64_t inserted, InsertMessages(session, fresh));
    if (inserted != fresh.size()) {
      PARLEY_ASSIGN_OR_RETURN(std::vector<ItemOutcome> verified, Verify(session, fresh));
      for (std::size_t j = 0; j < fresh.size(); ++j) {
        outcomes[fresh_index[j]] = std::move(verified[j]);
      }
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i]->reclaimed) {
      PARLEY_ASSIGN_OR_RETURN(outcomes[i], Reclaim(session, *items[i], late_limit));
    }
  }
  StateChanges states;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (outcomes[i].kind != ItemOutcome::Kind::kStored) continue;
    const CommitItem& item = *items[i];
    const protocol::Message& m = item.message;
    for (const std::string& member : item.members) Touch(states, member, m.conversation_id, 0);
    if (item.change) {
      PARLEY_TRY(WriteChange(session, m, *item.change, states));
    }
    if (item.sender_ack == SenderAck::kMovesToTheMessage) {
      Touch(states, m.sender_id, m.conversation_id, m.seq);
    }
  }
  PARLEY_TRY(WriteStates(session, states));
  std::vector<const protocol::Message*> events;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool stored = outcomes[i].kind == ItemOutcome::Kind::kStored;
    if (stored && protocol::IsEvent(items[i]->message.msg_type)) events.push_back(&items[i]->message);
  }
  if (!events.empty()) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<const protocol::Message*> erased,
                            ApplyEventRows(session, std::move(events)));
    for (std::size_t i = 0; i < items.size(); ++i) {
      const bool was_erased =
          std::find(erased.begin(), erased.end(), &items[i]->message) != erased.end();
      if (was_erased) outcomes[i].event_content_erased = true;
    }
  }
  std::vector<const protocol::Message*> announced;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (outcomes[i].kind == ItemOutcome::Kind::kStored && items[i]->outbox) {
      announced.push_back(&items[i]->message);
    }
  }
  if (!announced.empty()) PARLEY_TRY(sql::InsertOutbox(session, announced, now_ms));
  return outcomes;
}

}  // namespace parley::store
