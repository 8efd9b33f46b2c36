#include "store/cluster/sql_rows.h"

#include <charconv>

namespace parley::store::sql {
namespace {

base::Error Malformed(const char* what) {
  return base::MakeError(base::Code::kInternal, std::string("store: malformed row: ") + what);
}

}  // namespace

void AddMessageParams(const protocol::Message& m, std::vector<mysql::Param>& params) {
  params.emplace_back(m.conversation_id);
  params.emplace_back(m.seq);
  params.emplace_back(m.msg_id);
  params.emplace_back(m.sender_id);
  params.emplace_back(m.content);
  params.emplace_back(m.msg_type);
  params.emplace_back(m.send_time);
  params.emplace_back(m.reply_to);
  params.emplace_back(m.target_seq);
  params.emplace_back(std::int64_t{m.remove ? 1 : 0});
  params.emplace_back(m.edit_seq);
  params.emplace_back(m.edited_at);
  params.emplace_back(std::int64_t{m.recalled ? 1 : 0});
  params.emplace_back(m.reactions.empty() ? std::string() : protocol::SerializeReactions(m.reactions));
  params.emplace_back(m.media);
}

std::string Tuple(std::size_t columns) {
  std::string out = "(";
  for (std::size_t i = 0; i < columns; ++i) out.append(i ? ",?" : "?");
  out.append(")");
  return out;
}

base::Result<void> RunChunked(mysql::Session& session, std::string_view head, std::size_t columns,
                              std::string_view tail, const std::vector<mysql::Param>& params,
                              const std::function<void(mysql::QueryResult&)>& on_result) {
  const std::size_t rows = params.size() / columns;
  const std::string tuple = Tuple(columns);
  std::size_t done = 0;
  while (done < rows) {
    std::size_t chunk = kMaxChunk;
    while (chunk > rows - done) chunk /= 2;
    std::string sql(head);
    for (std::size_t i = 0; i < chunk; ++i) {
      if (i) sql.append(",");
      sql.append(tuple);
    }
    sql.append(tail);
    const auto first = params.begin() + static_cast<std::ptrdiff_t>(done * columns);
    const std::vector<mysql::Param> part(first, first + static_cast<std::ptrdiff_t>(chunk * columns));
    base::Result<mysql::QueryResult> result = session.Execute(sql, part);
    if (!result) return result.error();
    if (on_result) on_result(*result);
    done += chunk;
  }
  return {};
}

base::Result<std::int64_t> IntAt(const mysql::Row& row, std::size_t index) {
  if (index >= row.size() || !row[index]) return Malformed("missing integer");
  std::int64_t value = 0;
  const std::string& text = *row[index];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return Malformed("not an integer");
  return value;
}

std::string StringAt(const mysql::Row& row, std::size_t index) {
  return index < row.size() && row[index] ? *row[index] : std::string();
}

base::Result<protocol::Message> MessageFromRow(const mysql::Row& row, std::size_t first) {
  if (row.size() < first + kMessageColumnCount) return Malformed("too few columns");
  protocol::Message m;
  m.conversation_id = StringAt(row, first);
  PARLEY_ASSIGN_OR_RETURN(m.seq, IntAt(row, first + 1));
  m.msg_id = StringAt(row, first + 2);
  m.sender_id = StringAt(row, first + 3);
  m.content = StringAt(row, first + 4);
  PARLEY_ASSIGN_OR_RETURN(m.msg_type, IntAt(row, first + 5));
  PARLEY_ASSIGN_OR_RETURN(m.send_time, IntAt(row, first + 6));
  PARLEY_ASSIGN_OR_RETURN(m.reply_to, IntAt(row, first + 7));
  PARLEY_ASSIGN_OR_RETURN(m.target_seq, IntAt(row, first + 8));
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t remove, IntAt(row, first + 9));
  PARLEY_ASSIGN_OR_RETURN(m.edit_seq, IntAt(row, first + 10));
  PARLEY_ASSIGN_OR_RETURN(m.edited_at, IntAt(row, first + 11));
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t recalled, IntAt(row, first + 12));
  auto reactions = protocol::ReactionsFromJson(StringAt(row, first + 13));
  if (!reactions) return Malformed("reactions");
  m.remove = remove != 0;
  m.recalled = recalled != 0;
  m.reactions = std::move(*reactions);
  m.media = StringAt(row, first + 14);
  return m;
}

base::Result<std::uint64_t> WriteHole(mysql::Session& session, const std::string& conversation_id,
                                      std::int64_t seq, std::int64_t send_time) {
  const std::vector<mysql::Param> hole = {conversation_id, seq, send_time};
  auto r = session.Execute(
      "INSERT INTO timeline_message (conversation_id, seq, msg_id, sender_id, content, "
      "msg_type, status, send_time) VALUES (?, ?, NULL, '', '', 0, 1, ?) "
      "ON DUPLICATE KEY UPDATE status = status",
      hole);
  if (!r) return r.error();
  return r->affected_rows;
}

}  // namespace parley::store::sql
