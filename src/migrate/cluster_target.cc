#include "migrate/cluster_target.h"

#include <algorithm>
#include <utility>

#include "core/group_settings.h"
#include "mysql/options.h"
#include "mysql/pool.h"
#include "store/cluster/schema.h"
#include "store/cluster/sql_reads.h"
#include "store/cluster/sql_rows.h"

namespace parley::migrate {
namespace {

using mysql::Param;
using store::sql::IntAt;
using store::sql::StringAt;

constexpr std::string_view kStateRow = "embedded_migration";

// A bulk INSERT of 256 rows is well within these.
constexpr std::chrono::seconds kStatementTimeout{60};

std::int64_t Flag(bool value) { return value ? 1 : 0; }

base::Error Malformed(std::string_view what) {
  return base::MakeError(base::Code::kInternal, "mysql: malformed " + std::string(what));
}

// " ON DUPLICATE KEY UPDATE ..." setting every column but the key: a message
// copied before may have been edited, recalled or reacted to on the source
// since.
std::string OverwriteEveryMessageColumn() {
  std::string update = " ON DUPLICATE KEY UPDATE status = 0";
  std::string_view columns = store::sql::kMessageColumns;
  while (!columns.empty()) {
    const std::size_t comma = columns.find(',');
    std::string_view column = columns.substr(0, comma);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    if (column != "conversation_id" && column != "seq") {
      update.append(", ").append(column).append(" = VALUES(").append(column).append(")");
    }
    columns = comma == std::string_view::npos ? std::string_view() : columns.substr(comma + 1);
  }
  return update;
}

}  // namespace

ClusterTarget::ClusterTarget(std::unique_ptr<mysql::Session> mysql,
                             std::unique_ptr<RedisPipe> redis, std::string redis_prefix)
    : mysql_(std::move(mysql)), redis_(std::move(redis)), keys_(std::move(redis_prefix)) {}

base::Result<std::unique_ptr<ClusterTarget>> ClusterTarget::Open(
    const std::string& mysql_url, const std::string& redis_host_port, std::string redis_prefix) {
  PARLEY_ASSIGN_OR_RETURN(mysql::Options options, mysql::ParseUrl(mysql_url));
  options.connect_timeout = std::chrono::seconds(5);
  options.read_timeout = kStatementTimeout;
  options.write_timeout = kStatementTimeout;
  auto session = std::make_unique<mysql::Session>(options);
  PARLEY_TRY(session->EnsureConnected());
  PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<RedisPipe> redis, RedisPipe::Connect(redis_host_port));
  return std::unique_ptr<ClusterTarget>(
      new ClusterTarget(std::move(session), std::move(redis), std::move(redis_prefix)));
}

base::Result<TargetState> ClusterTarget::Prepare() {
  for (std::string_view statement : store::SchemaStatements()) PARLEY_TRY(mysql_->Execute(statement));
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult mark,
      mysql_->Execute("SELECT value FROM cluster_state WHERE name = ?", {std::string(kStateRow)}));
  if (!mark.rows.empty()) {
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t value, IntAt(mark.rows[0], 0));
    return value == static_cast<std::int64_t>(TargetState::kMigrated) ? TargetState::kMigrated
                                                                      : TargetState::kMigrating;
  }
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult used,
      mysql_->Execute("SELECT (SELECT COUNT(*) FROM `user`) + (SELECT COUNT(*) FROM "
                      "timeline_message) + (SELECT COUNT(*) FROM `groups`)"));
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t rows, IntAt(used.rows.at(0), 0));
  return rows == 0 ? TargetState::kEmpty : TargetState::kForeign;
}

base::Result<void> ClusterTarget::SetState(TargetState state) {
  const std::vector<Param> row = {std::string(kStateRow), static_cast<std::int64_t>(state)};
  PARLEY_TRY(mysql_->Execute(
      "INSERT INTO cluster_state (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE "
      "value = VALUES(value), set_at = CURRENT_TIMESTAMP(6)",
      row));
  return {};
}

base::Result<void> ClusterTarget::PutUsers(const std::vector<core::UserRecord>& users) {
  std::vector<Param> params;
  for (const core::UserRecord& u : users) {
    params.insert(params.end(), {u.user_id, u.password_hash, u.created_at,
                                 Flag(u.standing == core::UserStanding::kBanned),
                                 u.tokens_valid_after});
  }
  if (params.empty()) return {};
  return store::sql::RunChunked(
      *mysql_, "INSERT INTO `user` (user_id, password_hash, created_at, banned, tokens_valid_after) "
               "VALUES ",
      5,
      " ON DUPLICATE KEY UPDATE password_hash = VALUES(password_hash), created_at = "
      "VALUES(created_at), banned = VALUES(banned), tokens_valid_after = "
      "VALUES(tokens_valid_after)",
      params, nullptr);
}

base::Result<void> ClusterTarget::PutGroup(const GroupRecord& group) {
  const core::GroupInfo& g = group.info;
  auto write = [&](mysql::Session& s) -> base::Result<void> {
    const std::vector<Param> row = {g.group_id,
                                    g.name,
                                    g.owner_id,
                                    g.created_at,
                                    std::string(core::JoinPolicyName(g.join_policy)),
                                    std::string(core::HistoryVisibilityName(g.history_visibility)),
                                    std::string(core::SendPolicyName(g.send_policy))};
    PARLEY_TRY(s.Execute(store::sql::kUpsertGroup, row));
    const std::vector<Param> id = {g.group_id};
    PARLEY_TRY(s.Execute("DELETE FROM group_member WHERE group_id = ?", id));
    PARLEY_TRY(s.Execute("DELETE FROM group_ban WHERE group_id = ?", id));
    std::vector<Param> members;
    for (const MemberRow& m : group.members) {
      members.insert(members.end(), {g.group_id, m.user_id, static_cast<std::int64_t>(m.value.role),
                                     m.value.join_time, m.value.join_seq, m.value.muted_until});
    }
    if (!members.empty()) {
      PARLEY_TRY(store::sql::RunChunked(
          s, "INSERT INTO group_member (group_id, user_id, role, join_time, join_seq, "
             "muted_until) VALUES ",
          6, "", members, nullptr));
    }
    std::vector<Param> bans;
    if (g.banned) {
      for (const std::string& user : *g.banned) bans.insert(bans.end(), {g.group_id, user});
    }
    if (!bans.empty()) {
      PARLEY_TRY(store::sql::RunChunked(s, "INSERT INTO group_ban (group_id, user_id) VALUES ", 2,
                                        "", bans, nullptr));
    }
    return {};
  };
  return mysql::RunInTransaction(*mysql_, write);
}

base::Result<std::int64_t> ClusterTarget::MaxSeq(const std::string& conversation_id) {
  return store::sql::MaxAssignedSeq(*mysql_, conversation_id);
}

base::Result<void> ClusterTarget::PutMessages(const std::vector<protocol::Message>& messages) {
  std::vector<Param> params;
  params.reserve(messages.size() * store::sql::kMessageColumnCount);
  for (const protocol::Message& m : messages) store::sql::AddMessageParams(m, params);
  if (params.empty()) return {};
  static const std::string update = OverwriteEveryMessageColumn();
  return store::sql::RunChunked(
      *mysql_, "INSERT INTO timeline_message (" + std::string(store::sql::kMessageColumns) +
                   ") VALUES ",
      store::sql::kMessageColumnCount, update, params, nullptr);
}

base::Result<void> ClusterTarget::PutPositions(const std::vector<Position>& positions) {
  std::vector<Param> params;
  for (const Position& p : positions) {
    params.insert(params.end(), {p.user_id, p.conversation_id, p.read_seq, p.delivered_seq});
  }
  if (params.empty()) return {};
  return store::sql::RunChunked(
      *mysql_, "INSERT INTO user_conversation_state (user_id, conversation_id, last_ack_seq, "
               "delivered_seq) VALUES ",
      4,
      " ON DUPLICATE KEY UPDATE last_ack_seq = GREATEST(last_ack_seq, VALUES(last_ack_seq)), "
      "delivered_seq = GREATEST(delivered_seq, VALUES(delivered_seq))",
      params, nullptr);
}

base::Result<void> ClusterTarget::PutOutboxEntry(const OutboxRow& row) {
  const core::OutboxEntry& e = row.entry;
  const std::vector<Param> params = {e.conversation_id, e.seq,           e.created_at,
                                     e.attempts,        row.next_attempt_at, e.conversation_id,
                                     e.seq};
  PARLEY_TRY(mysql_->Execute(
      "INSERT INTO webhook_outbox (conversation_id, seq, created_at, attempts, next_attempt_at) "
      "SELECT ?, ?, ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE "
      "conversation_id = ? AND seq = ?)",
      params));
  return {};
}

base::Result<void> ClusterTarget::PutInbox(const Inbox& inbox, std::int64_t now_ms,
                                           std::chrono::milliseconds retention) {
  const std::string key = keys_.Inbox(inbox.user_id);
  constexpr std::size_t kPairsPerZadd = 256;
  std::int64_t newest_send_time = 0;
  for (std::size_t first = 0; first < inbox.items.size(); first += kPairsPerZadd) {
    std::vector<std::string> zadd = {"ZADD", key};
    const std::size_t end = std::min(inbox.items.size(), first + kPairsPerZadd);
    for (std::size_t i = first; i < end; ++i) {
      zadd.push_back(std::to_string(inbox.items[i].inbox_seq));
      zadd.push_back(store::InboxItemMember(inbox.items[i]));
      newest_send_time = std::max(newest_send_time, inbox.items[i].send_time);
    }
    PARLEY_TRY(redis_->Add(zadd));
  }
  if (!inbox.items.empty()) {
    // As the append script does on each write: the key lives `retention`
    // past its newest entry.
    const std::int64_t ttl = std::max<std::int64_t>(newest_send_time + retention.count() - now_ms, 1);
    PARLEY_TRY(redis_->Add({"PEXPIRE", key, std::to_string(ttl)}));
  }
  // Never lowered: a gateway may have handed out inbox_seqs since.
  constexpr const char* kRaise =
      "local v = tonumber(redis.call('GET', KEYS[1]) or '0') "
      "if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 0";
  return redis_->Add({"EVAL", kRaise, "1", keys_.InboxSeq(inbox.user_id),
                      std::to_string(inbox.newest_inbox_seq)});
}

base::Result<void> ClusterTarget::PutMsgIds(const std::vector<protocol::Message>& messages,
                                            std::int64_t now_ms, std::chrono::milliseconds ttl) {
  for (const protocol::Message& m : messages) {
    const std::int64_t left = m.send_time + ttl.count() - now_ms;
    if (m.msg_id.empty() || left <= 0) continue;
    const store::MsgIdEntry entry{true, m.seq, m.conversation_id};
    PARLEY_TRY(redis_->Add({"SET", keys_.MsgId(m.sender_id, m.msg_id),
                            store::MsgIdEntryValue(entry), "PX", std::to_string(left)}));
  }
  return {};
}

base::Result<std::vector<core::UserRecord>> ClusterTarget::Users() {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      mysql_->Execute("SELECT user_id, password_hash, created_at, banned, tokens_valid_after "
                      "FROM `user` ORDER BY user_id"));
  std::vector<core::UserRecord> out;
  for (const mysql::Row& row : r.rows) {
    core::UserRecord u;
    u.user_id = StringAt(row, 0);
    u.password_hash = StringAt(row, 1);
    PARLEY_ASSIGN_OR_RETURN(u.created_at, IntAt(row, 2));
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t banned, IntAt(row, 3));
    u.standing = banned != 0 ? core::UserStanding::kBanned : core::UserStanding::kActive;
    PARLEY_ASSIGN_OR_RETURN(u.tokens_valid_after, IntAt(row, 4));
    out.push_back(std::move(u));
  }
  return out;
}

base::Result<GroupRecord> ClusterTarget::Group(const std::string& group_id) {
  const std::vector<Param> id = {group_id};
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult g,
      mysql_->Execute("SELECT name, owner_id, created_at, join_policy, history_visibility, "
                      "send_policy FROM `groups` WHERE group_id = ?",
                      id));
  if (g.rows.empty()) return base::MakeError(base::Code::kNotFound, "no group " + group_id);
  GroupRecord out;
  core::GroupInfo& info = out.info;
  info.group_id = group_id;
  info.name = StringAt(g.rows[0], 0);
  info.owner_id = StringAt(g.rows[0], 1);
  PARLEY_ASSIGN_OR_RETURN(info.created_at, IntAt(g.rows[0], 2));
  const auto join = core::ParseJoinPolicy(StringAt(g.rows[0], 3));
  const auto history = core::ParseHistoryVisibility(StringAt(g.rows[0], 4));
  const auto send = core::ParseSendPolicy(StringAt(g.rows[0], 5));
  if (!join || !history || !send) return Malformed("group settings of " + group_id);
  info.join_policy = *join;
  info.history_visibility = *history;
  info.send_policy = *send;
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult m,
      mysql_->Execute("SELECT user_id, role, join_time, join_seq, muted_until FROM group_member "
                      "WHERE group_id = ? ORDER BY user_id",
                      id));
  for (const mysql::Row& row : m.rows) {
    MemberRow member{StringAt(row, 0), {}};
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t role, IntAt(row, 1));
    member.value.role = static_cast<core::GroupRole>(role);
    PARLEY_ASSIGN_OR_RETURN(member.value.join_time, IntAt(row, 2));
    PARLEY_ASSIGN_OR_RETURN(member.value.join_seq, IntAt(row, 3));
    PARLEY_ASSIGN_OR_RETURN(member.value.muted_until, IntAt(row, 4));
    out.members.push_back(std::move(member));
  }
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult b,
      mysql_->Execute("SELECT user_id FROM group_ban WHERE group_id = ? ORDER BY user_id", id));
  auto banned = std::make_shared<std::vector<std::string>>();
  for (const mysql::Row& row : b.rows) banned->push_back(StringAt(row, 0));
  info.banned = std::move(banned);
  return out;
}

base::Result<std::int64_t> ClusterTarget::GroupCount() {
  PARLEY_ASSIGN_OR_RETURN(mysql::QueryResult r, mysql_->Execute("SELECT COUNT(*) FROM `groups`"));
  return IntAt(r.rows.at(0), 0);
}

base::Result<std::vector<protocol::Message>> ClusterTarget::MessagesAfter(
    const std::string& conversation_id, std::int64_t after_seq, std::size_t limit) {
  const std::vector<Param> params = {conversation_id, after_seq,
                                     static_cast<std::int64_t>(limit)};
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      mysql_->Execute("SELECT " + std::string(store::sql::kMessageColumns) +
                          " FROM timeline_message WHERE conversation_id = ? AND seq > ? AND "
                          "status = 0 ORDER BY seq LIMIT ?",
                      params));
  std::vector<protocol::Message> out;
  for (const mysql::Row& row : r.rows) {
    PARLEY_ASSIGN_OR_RETURN(protocol::Message m, store::sql::MessageFromRow(row));
    out.push_back(std::move(m));
  }
  return out;
}

base::Result<std::vector<Position>> ClusterTarget::Positions() {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      mysql_->Execute("SELECT user_id, conversation_id, last_ack_seq, delivered_seq FROM "
                      "user_conversation_state ORDER BY user_id, conversation_id"));
  std::vector<Position> out;
  for (const mysql::Row& row : r.rows) {
    Position p{StringAt(row, 0), StringAt(row, 1), 0, 0};
    PARLEY_ASSIGN_OR_RETURN(p.read_seq, IntAt(row, 2));
    PARLEY_ASSIGN_OR_RETURN(p.delivered_seq, IntAt(row, 3));
    out.push_back(std::move(p));
  }
  return out;
}

base::Result<std::int64_t> ClusterTarget::ConversationCount() {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      mysql_->Execute("SELECT COUNT(DISTINCT conversation_id) FROM timeline_message"));
  return IntAt(r.rows.at(0), 0);
}

base::Result<std::int64_t> ClusterTarget::InboxSeq(const std::string& user_id) {
  PARLEY_ASSIGN_OR_RETURN(std::string value, redis_->Query({"GET", keys_.InboxSeq(user_id)}));
  if (value.empty()) return 0;
  try {
    return std::stoll(value);
  } catch (const std::exception&) {
    return Malformed("inbox_seq of " + user_id);
  }
}

}  // namespace parley::migrate
