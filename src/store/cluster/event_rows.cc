#include "store/cluster/event_rows.h"

#include <algorithm>
#include <tuple>

#include "protocol/message_events.h"
#include "store/cluster/sql_rows.h"

namespace parley::store {
namespace {

using mysql::Param;

// Whether the event's own content was erased.
base::Result<bool> ApplyOne(mysql::Session& session, const protocol::Message& stored_event) {
  PARLEY_ASSIGN_OR_RETURN(
      mysql::QueryResult r,
      session.Execute("SELECT " + std::string(sql::kMessageColumns) +
                          " FROM timeline_message WHERE conversation_id = ? AND seq = ? "
                          "AND status = 0 FOR UPDATE",
                      {stored_event.conversation_id, stored_event.target_seq}));
  // The core checked the target; a hole or nothing here means it was never
  // readable, and the event then changes nothing.
  if (r.rows.empty()) return false;
  PARLEY_ASSIGN_OR_RETURN(protocol::Message target, sql::MessageFromRow(r.rows[0]));
  protocol::Message event = stored_event;
  const protocol::EventEffect effect = protocol::ApplyEvent(event, target);
  const bool erased = event.content != stored_event.content;
  if (erased) {
    PARLEY_TRY(session.Execute(
        "UPDATE timeline_message SET content = ? WHERE conversation_id = ? AND seq = ?",
        {event.content, event.conversation_id, event.seq}));
  }
  if (effect != protocol::EventEffect::kApplied) return erased;
  const std::vector<Param> row = {
      target.content,
      target.edit_seq,
      target.edited_at,
      std::int64_t{target.recalled ? 1 : 0},
      target.reactions.empty() ? std::string() : protocol::SerializeReactions(target.reactions),
      target.conversation_id,
      target.seq};
  PARLEY_TRY(session.Execute("UPDATE timeline_message SET content = ?, edit_seq = ?, "
                             "edited_at = ?, recalled = ?, reactions = ? "
                             "WHERE conversation_id = ? AND seq = ?",
                             row));
  if (event.msg_type == protocol::kMsgTypeRecall) {
    const std::vector<Param> edits = {target.conversation_id, target.seq,
                                      protocol::kMsgTypeEdit};
    PARLEY_TRY(session.Execute("UPDATE timeline_message SET content = '' "
                               "WHERE conversation_id = ? AND target_seq = ? AND msg_type = ?",
                               edits));
  }
  return erased;
}

}  // namespace

base::Result<std::vector<const protocol::Message*>> ApplyEventRows(
    mysql::Session& session, std::vector<const protocol::Message*> events) {
  std::sort(events.begin(), events.end(), [](const protocol::Message* a, const protocol::Message* b) {
    return std::tie(a->conversation_id, a->target_seq, a->seq) <
           std::tie(b->conversation_id, b->target_seq, b->seq);
  });
  std::vector<const protocol::Message*> erased;
  for (const protocol::Message* event : events) {
    PARLEY_ASSIGN_OR_RETURN(const bool content_erased, ApplyOne(session, *event));
    if (content_erased) erased.push_back(event);
  }
  return erased;
}

}  // namespace parley::store
