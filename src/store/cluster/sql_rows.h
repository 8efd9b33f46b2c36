#pragma once
// Small helpers shared by the cluster store's SQL: multi-row statements in
// power-of-two chunks, and rows of timeline_message as protocol::Message.
//
// Why chunks: mysql::Session caches one prepared statement per SQL text, so
// "VALUES (?,?),(?,?),..." for every batch size would thrash its cache. Sizes
// 1, 2, 4, ..., kMaxChunk give a handful of statements per shape.
//
// Thread contract: pure functions; the ones taking a Session run on a mysql
// worker thread (inside Pool::Run / Pool::Transaction).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "mysql/query_result.h"
#include "mysql/session.h"
#include "protocol/message.h"

namespace parley::store::sql {

inline constexpr std::size_t kMaxChunk = 256;

// "(?,?,?)" for `columns` placeholders.
std::string Tuple(std::size_t columns);

// Runs `head + tuple * n (comma-separated) + tail` over `rows` (each row a
// parameter list of `columns` values) in chunks; calls `on_result` for each.
base::Result<void> RunChunked(mysql::Session& session, std::string_view head, std::size_t columns,
                              std::string_view tail, const std::vector<mysql::Param>& params,
                              const std::function<void(mysql::QueryResult&)>& on_result);

// The columns that make a message, in the order MessageFromRow reads them.
// event_remove is Message::remove; reactions is SerializeReactions's text
// ('' for none).
inline constexpr std::string_view kMessageColumns =
    "conversation_id, seq, msg_id, sender_id, content, msg_type, send_time, reply_to, "
    "target_seq, event_remove, edit_seq, edited_at, recalled, reactions, media";
// The same, of the table aliased `t`.
inline constexpr std::string_view kMessageColumnsOfT =
    "t.conversation_id, t.seq, t.msg_id, t.sender_id, t.content, t.msg_type, t.send_time, "
    "t.reply_to, t.target_seq, t.event_remove, t.edit_seq, t.edited_at, t.recalled, t.reactions, "
    "t.media";
inline constexpr std::size_t kMessageColumnCount = 15;

// Writes a group's row whole (create, or the migration's copy): values
// group_id, name, owner_id, created_at, join_policy, history_visibility,
// send_policy.
inline constexpr std::string_view kUpsertGroup =
    "INSERT INTO `groups` (group_id, name, owner_id, created_at, join_policy, "
    "history_visibility, send_policy) VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
    "name = VALUES(name), owner_id = VALUES(owner_id), created_at = VALUES(created_at), "
    "join_policy = VALUES(join_policy), history_visibility = VALUES(history_visibility), "
    "send_policy = VALUES(send_policy)";

// Appends the values of kMessageColumns for `m`, in that order.
void AddMessageParams(const protocol::Message& m, std::vector<mysql::Param>& params);

// Reads the message columns starting at row[first]. 500 on a malformed row.
base::Result<protocol::Message> MessageFromRow(const mysql::Row& row, std::size_t first = 0);

// Marks `seq` of `conversation_id` as never to hold a message (a hole row,
// status 1), unless a row holds it already. Returns the affected rows: 1 when
// the hole was written, 0 when the seq was occupied. Readers then answer a
// hole marker for it (sql_reads.h), and an append that still tries to commit
// there finds it taken.
base::Result<std::uint64_t> WriteHole(mysql::Session& session, const std::string& conversation_id,
                                      std::int64_t seq, std::int64_t send_time);

base::Result<std::int64_t> IntAt(const mysql::Row& row, std::size_t index);
std::string StringAt(const mysql::Row& row, std::size_t index);  // "" for NULL

}  // namespace parley::store::sql
