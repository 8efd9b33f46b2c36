#include "store/cluster/conversation_id_migration.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "base/ids.h"
#include "mysql/pool.h"
#include "mysql/session.h"

namespace parley::store {
namespace {

constexpr std::string_view kMigration = "private_id_colon";
constexpr std::string_view kLockName = "parley.schema_migration";
constexpr std::int64_t kRowsPerUpdate = 1000;
constexpr std::int64_t kIdsPerPage = 500;
// Another gateway may be migrating a big database; waiting longer than this
// means something is stuck (a lock's holder that dies releases it).
constexpr auto kMaxLockWait = std::chrono::minutes(30);

// Renames a seq counter; the higher value wins should the new one exist
// (a re-run), and the old key goes. One script: atomic against nothing in
// particular (no gateway serves yet), but a crash cannot lose the counter.
constexpr const char* kRenameSeq = R"lua(
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
local new = redis.call('GET', KEYS[2])
if not new or tonumber(new) < tonumber(old) then redis.call('SET', KEYS[2], old) end
redis.call('DEL', KEYS[1])
return 1
)lua";

[[noreturn]] void Fail(const std::string& step, const base::Error& error) {
  throw std::runtime_error("conversation id migration: " + step + ": " + error.message);
}

template <class T>
T Must(base::Result<T> result, const std::string& step) {
  if (!result) Fail(step, result.error());
  return std::move(*result);
}

void Must(base::Result<void> result, const std::string& step) {
  if (!result) Fail(step, result.error());
}

std::optional<std::string> Renamed(std::string_view conversation_id) {
  const auto legacy = base::ParseLegacyPrivateConversationId(conversation_id);
  if (!legacy) return std::nullopt;
  return base::PrivateConversationId(legacy->first, legacy->second);
}

// A glob pattern that matches `text` literally (SCAN MATCH).
std::string GlobEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool Applied(mysql::Session& session) {
  auto r = Must(session.Execute("SELECT 1 FROM schema_migration WHERE name = ?",
                                {std::string(kMigration)}),
                "read schema_migration");
  return !r.rows.empty();
}

void Lock(mysql::Session& session) {
  const auto deadline = std::chrono::steady_clock::now() + kMaxLockWait;
  for (;;) {
    // One second at a time: the connection's read timeout must not expire
    // while the server waits.
    auto r = Must(session.Execute("SELECT GET_LOCK(?, 1)", {std::string(kLockName)}), "GET_LOCK");
    if (!r.rows.empty() && r.rows[0][0] == "1") return;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("conversation id migration: another gateway holds the lock '" +
                               std::string(kLockName) + "' for too long");
    }
  }
}

// Redis seq:{legacy} -> seq:{new}. SCAN visits every key present throughout
// at least once; a key seen twice is renamed once (the script finds it gone).
void RenameSeqCounters(const BlockingRedis& redis, const std::string& prefix,
                       ClusterMigrationStats& stats) {
  const std::string seq_prefix = prefix + "seq:";
  const std::string pattern = GlobEscaped(seq_prefix) + "private_*";
  std::string cursor = "0";
  do {
    redis::Reply reply = Must(redis({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}), "SCAN");
    if (!reply.IsArray() || reply.elements().size() != 2 || !reply.elements()[1].IsArray()) {
      throw std::runtime_error("conversation id migration: unexpected SCAN reply " +
                               reply.DebugString());
    }
    cursor = reply.elements()[0].str();
    for (const redis::Reply& key : reply.elements()[1].elements()) {
      const std::string& name = key.str();
      const std::optional<std::string> renamed = Renamed(std::string_view(name).substr(seq_prefix.size()));
      if (!renamed) continue;
      redis::Reply moved =
          Must(redis({"EVAL", kRenameSeq, "2", name, seq_prefix + *renamed}), "rename " + name);
      if (moved.integer() == 1) ++stats.seq_keys;
    }
  } while (cursor != "0");
}

// timeline_message: every legacy conversation's rows, a bounded UPDATE at a
// time. Ids are paged by a cursor, so one that cannot be renamed (none
// should exist: the old code refused ambiguous ids) is passed over.
void MoveTimelines(mysql::Session& session, ClusterMigrationStats& stats) {
  std::string cursor = "private_";
  for (;;) {
    auto page = Must(session.Execute("SELECT DISTINCT conversation_id FROM timeline_message "
                                     "WHERE conversation_id > ? "
                                     "AND conversation_id LIKE 'private\\_%' "
                                     "AND LOCATE(':', conversation_id) = 0 "
                                     "ORDER BY conversation_id LIMIT ?",
                                     {cursor, kIdsPerPage}),
                     "list legacy conversations");
    if (page.rows.empty()) return;
    for (const mysql::Row& row : page.rows) {
      cursor = row[0].value_or("");
      const std::optional<std::string> renamed = Renamed(cursor);
      if (!renamed) continue;
      ++stats.conversations;
      for (;;) {
        auto moved = Must(session.Execute("UPDATE timeline_message SET conversation_id = ? "
                                          "WHERE conversation_id = ? ORDER BY seq LIMIT ?",
                                          {*renamed, cursor, kRowsPerUpdate}),
                          "move the timeline of " + cursor);
        stats.messages += moved.affected_rows;
        if (moved.affected_rows < static_cast<std::uint64_t>(kRowsPerUpdate)) break;
      }
    }
  }
}

// user_conversation_state: each legacy row becomes (or raises) the row of
// the new id, in one transaction with its DELETE.
void MoveAcks(mysql::Session& session, ClusterMigrationStats& stats) {
  std::string user_cursor;
  std::string conversation_cursor;
  for (;;) {
    auto page = Must(
        session.Execute("SELECT user_id, conversation_id, last_ack_seq FROM user_conversation_state "
                        "WHERE (user_id > ? OR (user_id = ? AND conversation_id > ?)) "
                        "AND conversation_id LIKE 'private\\_%' "
                        "AND LOCATE(':', conversation_id) = 0 "
                        "ORDER BY user_id, conversation_id LIMIT ?",
                        {user_cursor, user_cursor, conversation_cursor, kIdsPerPage}),
        "list legacy ack rows");
    if (page.rows.empty()) return;
    for (const mysql::Row& row : page.rows) {
      user_cursor = row[0].value_or("");
      conversation_cursor = row[1].value_or("");
      const std::optional<std::string> renamed = Renamed(conversation_cursor);
      if (!renamed) continue;
      const std::int64_t ack = std::stoll(row[2].value_or("0"));
      auto move = [&](mysql::Session& s) -> base::Result<void> {
        PARLEY_ASSIGN_OR_RETURN(
            mysql::QueryResult inserted,
            s.Execute("INSERT INTO user_conversation_state (user_id, conversation_id, last_ack_seq) "
                      "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
                      "last_ack_seq = GREATEST(last_ack_seq, VALUES(last_ack_seq))",
                      {user_cursor, *renamed, ack}));
        (void)inserted;
        PARLEY_ASSIGN_OR_RETURN(
            mysql::QueryResult deleted,
            s.Execute("DELETE FROM user_conversation_state WHERE user_id = ? AND conversation_id = ?",
                      {user_cursor, conversation_cursor}));
        (void)deleted;
        return {};
      };
      Must(mysql::RunInTransaction(session, move), "move the ack of " + user_cursor);
      ++stats.acks;
    }
  }
}

}  // namespace

ClusterMigrationStats MigrateClusterConversationIds(const mysql::Options& options,
                                                    const BlockingRedis& redis,
                                                    const std::string& key_prefix) {
  mysql::Options own = options;
  // Statements here may move 1000 rows at a time: more than the hot path's
  // timeouts allow for.
  own.read_timeout = std::max(own.read_timeout, std::chrono::seconds(60));
  own.write_timeout = std::max(own.write_timeout, std::chrono::seconds(60));
  mysql::Session session(own);
  Must(session.EnsureConnected(), "connect");

  ClusterMigrationStats stats;
  if (Applied(session)) return stats;
  Lock(session);
  if (!Applied(session)) {  // not done by the gateway that held the lock
    stats.ran = true;
    // Redis first: once MySQL is done, a gateway may seed seq:{new} from
    // MySQL, and a counter renamed later would go backwards or jump.
    RenameSeqCounters(redis, key_prefix, stats);
    MoveTimelines(session, stats);
    MoveAcks(session, stats);
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    Must(session.Execute("INSERT IGNORE INTO schema_migration (name, applied_at) VALUES (?, ?)",
                         {std::string(kMigration), now_ms}),
         "record the migration");
  }
  // Also released when the session closes, should this fail.
  (void)session.Execute("SELECT RELEASE_LOCK(?)", {std::string(kLockName)});
  return stats;
}

}  // namespace parley::store
