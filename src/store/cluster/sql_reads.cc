#include "store/cluster/sql_reads.h"

#include <algorithm>
#include <map>

#include "core/group_settings.h"
#include "store/cluster/sql_rows.h"

namespace parley::store::sql {
namespace {

using mysql::Param;

// A page is sized by the caller's limit, which a bad request could make huge.
constexpr std::size_t kMaxPage = 10000;

// Timeline rows: the message columns, then status and age in microseconds.
const std::string& TimelineSelect() {
  static const std::string select =
      "SELECT " + std::string(kMessageColumns) +
      ", status, TIMESTAMPDIFF(MICROSECOND, created_at, NOW(6)) FROM timeline_message ";
  return select;
}

struct TimelineRow {
  protocol::Message message;
  bool hole = false;
  std::int64_t age_us = 0;
};

base::Result<std::vector<TimelineRow>> QueryTimeline(mysql::Session& session,
                                                     const std::string& where,
                                                     std::vector<Param> params) {
  PARLEY_ASSIGN_OR_RETURN(mysql::QueryResult result,
                          session.Execute(TimelineSelect() + where, params));
  std::vector<TimelineRow> rows;
  rows.reserve(result.rows.size());
  for (const mysql::Row& row : result.rows) {
    TimelineRow r;
    PARLEY_ASSIGN_OR_RETURN(r.message, MessageFromRow(row));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t status, IntAt(row, kMessageColumnCount));
    PARLEY_ASSIGN_OR_RETURN(r.age_us, IntAt(row, kMessageColumnCount + 1));
    r.hole = status != 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

// What a reader gets for a row: the message, or a marker for a hole row.
std::string EntryOf(const TimelineRow& row) {
  if (row.hole) return protocol::SerializeHole({row.message.conversation_id, row.message.seq});
  return protocol::SerializeMessage(row.message);
}

bool Old(const TimelineRow& row, std::chrono::milliseconds hole_timeout) {
  return row.age_us > std::chrono::duration_cast<std::chrono::microseconds>(hole_timeout).count();
}

}  // namespace

base::Result<TimelinePage> ReadAfter(mysql::Session& session, const std::string& conv,
                                     std::int64_t after_seq, std::size_t limit,
                                     std::chrono::milliseconds hole_timeout) {
  TimelinePage out;
  if (after_seq == std::numeric_limits<std::int64_t>::max()) return out;
  const std::int64_t after = std::max<std::int64_t>(after_seq, 0);
  const std::size_t want = std::min(limit, kMaxPage);
  // One more than asked, so has_more is exact: every row yields an entry.
  PARLEY_ASSIGN_OR_RETURN(
      std::vector<TimelineRow> rows,
      QueryTimeline(session, "WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                    {conv, after, static_cast<std::int64_t>(want + 1)}));
  std::vector<std::string>& entries = out.page.messages;
  auto take = [&](std::string entry) {
    if (entries.size() == want) return false;
    entries.push_back(std::move(entry));
    return true;
  };
  std::int64_t expected = after + 1;
  for (const TimelineRow& row : rows) {
    if (row.message.seq != expected) {
      if (!Old(row, hole_timeout)) {
        out.stopped_at_gap = true;
        out.page.has_more = true;
        return out;
      }
      // Never written, and too old to be written now: holes.
      for (std::int64_t seq = expected; seq < row.message.seq; ++seq) {
        if (!take(protocol::SerializeHole({conv, seq}))) {
          out.page.has_more = true;
          return out;
        }
      }
    }
    expected = row.message.seq + 1;
    if (!take(EntryOf(row))) {
      out.page.has_more = true;
      return out;
    }
  }
  return out;
}

base::Result<TimelinePage> ReadBefore(mysql::Session& session, const std::string& conv,
                                      std::int64_t before_seq, std::size_t limit,
                                      std::chrono::milliseconds hole_timeout) {
  TimelinePage out;
  const std::size_t want = std::min(limit, kMaxPage);
  const bool from_newest = before_seq <= 0 || before_seq == std::numeric_limits<std::int64_t>::max();
  const std::int64_t before = from_newest ? std::numeric_limits<std::int64_t>::max() : before_seq;
  PARLEY_ASSIGN_OR_RETURN(
      std::vector<TimelineRow> rows,
      QueryTimeline(session, "WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    {conv, before, static_cast<std::int64_t>(want + 1)}));
  // The row just above the cursor, when seqs are missing right below it
  // (a previous page ended at a hole): it dates that gap.
  std::vector<TimelineRow> above;
  const std::int64_t first_seq = rows.empty() ? 0 : rows[0].message.seq;
  if (!from_newest && first_seq < before - 1) {
    PARLEY_ASSIGN_OR_RETURN(
        above, QueryTimeline(session, "WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT 1",
                             {conv, before}));
  }

  std::vector<std::string>& entries = out.page.messages;
  auto take = [&](std::string entry) {
    if (entries.size() == want) return false;
    entries.push_back(std::move(entry));
    return true;
  };
  // The seqs strictly between `lower` and `upper`, missing, dated by the row
  // at `upper` (none: the newest seqs, not committed yet; nothing to say).
  // Old, they are holes; young, they may still commit, so the entries taken
  // above them are not readable yet: drop those and go on below the gap.
  // False when the page filled up.
  auto gap = [&](const TimelineRow* upper_row, std::int64_t upper, std::int64_t lower) {
    if (upper - lower <= 1 || upper_row == nullptr) return true;
    if (!Old(*upper_row, hole_timeout)) {
      entries.clear();
      out.stopped_at_gap = true;
      return true;
    }
    for (std::int64_t seq = upper - 1; seq > lower; --seq) {
      if (!take(protocol::SerializeHole({conv, seq}))) return false;
    }
    return true;
  };

  const TimelineRow* upper_row = above.empty() ? nullptr : &above[0];
  std::int64_t upper = before;
  for (const TimelineRow& row : rows) {
    if (!gap(upper_row, upper, row.message.seq) || !take(EntryOf(row))) {
      out.page.has_more = true;
      return out;
    }
    upper_row = &row;
    upper = row.message.seq;
  }
  // Every row down to seq 1 was read: what is missing below the last one.
  if (!gap(upper_row, upper, 0)) {
    out.page.has_more = true;
    return out;
  }
  out.page.has_more = rows.size() > want;  // rows dropped above a young gap
  return out;
}

base::Result<std::int64_t> MaxSeq(mysql::Session& session, const std::string& conv) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT COALESCE(MAX(seq), 0) FROM timeline_message "
                      "WHERE conversation_id = ? AND status = 0",
                      {conv}));
  if (r.rows.empty()) return 0;
  return IntAt(r.rows[0], 0);
}

base::Result<std::int64_t> MaxAssignedSeq(mysql::Session& session, const std::string& conv) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute(
          "SELECT COALESCE(MAX(seq), 0) FROM timeline_message WHERE conversation_id = ?", {conv}));
  if (r.rows.empty()) return 0;
  return IntAt(r.rows[0], 0);
}

base::Result<std::optional<protocol::Message>> FindMessage(mysql::Session& session,
                                                           const std::string& sender_id,
                                                           const std::string& msg_id) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT " + std::string(kMessageColumns) +
                          " FROM timeline_message WHERE sender_id = ? AND msg_id = ?",
                      {sender_id, msg_id}));
  if (r.rows.empty()) return std::nullopt;
  PARLEY_ASSIGN_OR_RETURN(protocol::Message m, MessageFromRow(r.rows[0]));
  return m;
}

base::Result<std::vector<FetchedMessage>> FetchMessages(
    mysql::Session& session, const std::vector<std::pair<std::string, std::int64_t>>& keys) {
  std::vector<Param> params;
  params.reserve(keys.size() * 2);
  for (const auto& [conv, seq] : keys) {
    params.emplace_back(conv);
    params.emplace_back(seq);
  }
  std::vector<FetchedMessage> out;
  base::Result<void> parsed;
  PARLEY_TRY(RunChunked(session,
                        "SELECT " + std::string(kMessageColumns) +
                            ", status FROM timeline_message WHERE (conversation_id, seq) IN (",
                        2, ")", params, [&](mysql::QueryResult& r) {
                          for (const mysql::Row& row : r.rows) {
                            auto m = MessageFromRow(row);
                            auto status = IntAt(row, kMessageColumnCount);
                            if (m && status) {
                              out.push_back(FetchedMessage{std::move(*m), *status != 0});
                            } else {
                              parsed = m ? status.error() : m.error();
                            }
                          }
                        }));
  if (!parsed) return parsed.error();
  return out;
}

base::Result<std::int64_t> Ack(mysql::Session& session, const std::string& user,
                               const std::string& conv, std::int64_t seq, AckColumn column) {
  const std::string name = column == AckColumn::kRead ? "last_ack_seq" : "delivered_seq";
  PARLEY_TRY(session.Execute("INSERT INTO user_conversation_state (user_id, conversation_id, " +
                                 name + ") VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE " + name +
                                 " = GREATEST(" + name + ", VALUES(" + name + "))",
                             {user, conv, seq}));
  // Read back rather than answer `seq`: a concurrent, higher ack may have won.
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT " + name +
                          " FROM user_conversation_state WHERE user_id = ? AND conversation_id = ?",
                      {user, conv}));
  if (r.rows.empty()) return base::MakeError(base::Code::kInternal, "store: ack row vanished");
  return IntAt(r.rows[0], 0);
}

base::Result<std::vector<core::ReceiptPositions>> ReadReceipts(
    mysql::Session& session, const std::string& conv, const std::vector<std::string>& users) {
  std::vector<mysql::Param> params;  // the primary key's (user, conversation) pairs
  params.reserve(2 * users.size());
  for (const std::string& user : users) {
    params.emplace_back(user);
    params.emplace_back(conv);
  }
  std::map<std::string, core::ReceiptPositions> found;
  base::Result<void> parsed;
  PARLEY_TRY(RunChunked(
      session,
      "SELECT user_id, last_ack_seq, delivered_seq FROM user_conversation_state "
      "WHERE (user_id, conversation_id) IN (",
      2, ")", params, [&](mysql::QueryResult& r) {
        for (const mysql::Row& row : r.rows) {
          auto read = IntAt(row, 1);
          auto delivered = IntAt(row, 2);
          if (!read || !delivered) {
            parsed = base::MakeError(base::Code::kInternal, "store: malformed receipt row");
            continue;
          }
          std::string user = StringAt(row, 0);
          found.insert_or_assign(user, core::ReceiptPositions{user, *read, *delivered});
        }
      }));
  if (!parsed) return parsed.error();
  std::vector<core::ReceiptPositions> out;
  out.reserve(users.size());
  for (const std::string& user : users) {
    auto it = found.find(user);
    out.push_back(it == found.end() ? core::ReceiptPositions{user, 0, 0} : it->second);
  }
  return out;
}

base::Result<std::vector<core::ConversationState>> ListConversations(mysql::Session& session,
                                                                     const std::string& user) {
  // One query: each listed conversation with its newest message. The inner
  // join leaves out conversations without a message.
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT s.last_ack_seq, " + std::string(kMessageColumnsOfT) +
                      " FROM user_conversation_state s JOIN timeline_message t "
                      "ON t.conversation_id = s.conversation_id AND t.seq = "
                      "(SELECT MAX(x.seq) FROM timeline_message x "
                      "WHERE x.conversation_id = s.conversation_id AND x.status = 0) "
                      "WHERE s.user_id = ? ORDER BY s.conversation_id",
                      {user}));
  std::vector<core::ConversationState> out;
  out.reserve(r.rows.size());
  for (const mysql::Row& row : r.rows) {
    core::ConversationState state;
    PARLEY_ASSIGN_OR_RETURN(state.last_ack_seq, IntAt(row, 0));
    PARLEY_ASSIGN_OR_RETURN(protocol::Message m, MessageFromRow(row, 1));
    state.conversation_id = m.conversation_id;
    state.max_seq = m.seq;
    state.last_message_json = protocol::SerializeMessage(m);
    out.push_back(std::move(state));
  }
  return out;
}

base::Result<GroupPtr> LoadGroup(mysql::Session& session, const std::string& group_id) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult g,
      session.Execute("SELECT name, owner_id, created_at, join_policy, history_visibility, "
                      "send_policy FROM `groups` WHERE group_id = ?",
                      {group_id}));
  if (g.rows.empty()) return GroupPtr();
  auto group = std::make_shared<GroupRecord>();
  group->info.group_id = group_id;
  group->info.name = StringAt(g.rows[0], 0);
  group->info.owner_id = StringAt(g.rows[0], 1);
  PARLEY_ASSIGN_OR_RETURN(group->info.created_at, IntAt(g.rows[0], 2));
  const auto policy = core::ParseJoinPolicy(StringAt(g.rows[0], 3));
  const auto history = core::ParseHistoryVisibility(StringAt(g.rows[0], 4));
  const auto send = core::ParseSendPolicy(StringAt(g.rows[0], 5));
  if (!policy || !history || !send) {
    return base::MakeError(base::Code::kInternal, "corrupt group settings");
  }
  group->info.join_policy = *policy;
  group->info.history_visibility = *history;
  group->info.send_policy = *send;
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult m,
      session.Execute("SELECT user_id, join_time, join_seq, role, muted_until FROM group_member "
                      "WHERE group_id = ? ORDER BY user_id",
                      {group_id}));
  auto members = std::make_shared<std::vector<std::string>>();
  auto join_seqs = std::make_shared<std::vector<std::int64_t>>();
  auto admins = std::make_shared<std::vector<std::string>>();
  auto mutes = std::make_shared<std::vector<core::Mute>>();
  members->reserve(m.rows.size());
  join_seqs->reserve(m.rows.size());
  for (const mysql::Row& row : m.rows) {
    members->push_back(StringAt(row, 0));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t join_time, IntAt(row, 1));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t join_seq, IntAt(row, 2));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t role, IntAt(row, 3));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t muted_until, IntAt(row, 4));
    group->join_times.push_back(join_time);
    join_seqs->push_back(join_seq);
    if (role == static_cast<std::int64_t>(core::GroupRole::kAdmin)) {
      admins->push_back(members->back());
    }
    if (muted_until != 0) mutes->push_back(core::Mute{members->back(), muted_until});
  }
  group->info.members = std::move(members);
  group->info.join_seqs = std::move(join_seqs);
  group->info.admins = std::move(admins);
  group->info.mutes = std::move(mutes);
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult b,
      session.Execute("SELECT user_id FROM group_ban WHERE group_id = ? ORDER BY user_id",
                      {group_id}));
  auto banned = std::make_shared<std::vector<std::string>>();
  banned->reserve(b.rows.size());
  for (const mysql::Row& row : b.rows) banned->push_back(StringAt(row, 0));
  group->info.banned = std::move(banned);
  return GroupPtr(std::move(group));
}

base::Result<std::vector<core::GroupInfo>> GroupsOf(mysql::Session& session,
                                                    const std::string& user) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT g.group_id, g.name, g.owner_id, g.created_at, m.user_id "
                      "FROM `groups` g JOIN group_member m ON m.group_id = g.group_id "
                      "WHERE g.group_id IN (SELECT group_id FROM group_member WHERE user_id = ?) "
                      "ORDER BY g.group_id, m.user_id",
                      {user}));
  std::vector<core::GroupInfo> out;
  std::shared_ptr<std::vector<std::string>> members;
  for (const mysql::Row& row : r.rows) {
    const std::string group_id = StringAt(row, 0);
    if (out.empty() || out.back().group_id != group_id) {
      core::GroupInfo info;
      info.group_id = group_id;
      info.name = StringAt(row, 1);
      info.owner_id = StringAt(row, 2);
      PARLEY_ASSIGN_OR_RETURN(info.created_at, IntAt(row, 3));
      members = std::make_shared<std::vector<std::string>>();
      info.members = members;
      out.push_back(std::move(info));
    }
    members->push_back(StringAt(row, 4));
  }
  return out;
}

base::Result<void> CreateUser(mysql::Session& session, const core::UserRecord& user) {
  auto inserted = session.Execute(
      "INSERT INTO `user` (user_id, password_hash, created_at) VALUES (?, ?, ?)",
      {user.user_id, user.password_hash, user.created_at});
  if (!inserted) {
    if (inserted.error().code == base::Code::kConflict) {
      return base::MakeError(base::Code::kConflict, "user id taken");
    }
    return inserted.error();
  }
  return {};
}

base::Result<core::UserRecord> FindUser(mysql::Session& session, const std::string& user_id) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT password_hash, created_at, banned, tokens_valid_after FROM `user` "
                      "WHERE user_id = ?",
                      {user_id}));
  if (r.rows.empty()) return base::MakeError(base::Code::kNotFound, "no such user");
  core::UserRecord user;
  user.user_id = user_id;
  user.password_hash = StringAt(r.rows[0], 0);
  PARLEY_ASSIGN_OR_RETURN(user.created_at, IntAt(r.rows[0], 1));
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t banned, IntAt(r.rows[0], 2));
  user.standing = banned != 0 ? core::UserStanding::kBanned : core::UserStanding::kActive;
  PARLEY_ASSIGN_OR_RETURN(user.tokens_valid_after, IntAt(r.rows[0], 3));
  return user;
}

base::Result<core::UserRecord> UpdateUser(mysql::Session& session, const core::UserUpdate& update) {
  // One statement, so two updates racing on different gateways each apply
  // whole; the cut-off only moves forward (GREATEST).
  const std::int64_t banned =
      !update.standing ? -1 : (*update.standing == core::UserStanding::kBanned ? 1 : 0);
  auto updated = session.Execute(
      "UPDATE `user` SET banned = IF(? < 0, banned, ?), "
      "tokens_valid_after = GREATEST(tokens_valid_after, ?) WHERE user_id = ?",
      {banned, banned, update.tokens_valid_after, update.user_id});
  if (!updated) return updated.error();
  return FindUser(session, update.user_id);
}

}  // namespace parley::store::sql
