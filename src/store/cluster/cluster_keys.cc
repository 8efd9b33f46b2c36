#include "store/cluster/cluster_keys.h"

#include <charconv>

#include "base/ids.h"

namespace parley::store {
namespace {

// Splits off the text before the next '|'; false when there is none.
bool NextField(std::string_view& rest, std::string_view& field) {
  const auto bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  field = rest.substr(0, bar);
  rest.remove_prefix(bar + 1);
  return true;
}

bool ToInt(std::string_view text, std::int64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string ClusterKeys::Cat(std::string_view kind, std::string_view id) const {
  std::string key;
  key.reserve(p_.size() + kind.size() + id.size());
  key.append(p_).append(kind).append(id);
  return key;
}

std::string ClusterKeys::MsgId(std::string_view uid, std::string_view msg_id) const {
  // User ids never hold ':', so the split is unambiguous even when msg_id does.
  std::string key = Cat("msgid:", uid);
  key.append(":").append(msg_id);
  return key;
}

std::optional<MsgIdEntry> ParseMsgIdEntry(std::string_view value) {
  std::string_view state, seq;
  if (!NextField(value, state) || !NextField(value, seq)) return std::nullopt;
  MsgIdEntry entry;
  if ((state != "P" && state != "C") || !ToInt(seq, entry.seq) || value.empty()) {
    return std::nullopt;
  }
  entry.committed = state == "C";
  entry.conversation_id = std::string(value);
  return entry;
}

std::string MsgIdEntryValue(const MsgIdEntry& entry) {
  return std::string(entry.committed ? "C|" : "P|") + std::to_string(entry.seq) + "|" +
         entry.conversation_id;
}

std::optional<PendingChange> ParsePendingChange(std::string_view value) {
  std::string_view seq;
  PendingChange change;
  if (!NextField(value, seq) || !ToInt(seq, change.seq) || value.empty()) return std::nullopt;
  change.msgid_key = std::string(value);
  return change;
}

std::optional<InboxItem> ParseInboxItem(std::string_view member) {
  std::string_view inbox_seq, send_time, seq;
  InboxItem item;
  if (!NextField(member, inbox_seq) || !NextField(member, send_time) || !NextField(member, seq) ||
      !ToInt(inbox_seq, item.inbox_seq) || !ToInt(send_time, item.send_time) ||
      !ToInt(seq, item.seq) || member.empty()) {
    return std::nullopt;
  }
  // Entries written before the ':' form name a legacy private id, whose rows
  // now carry the new one (conversation_id_migration.h).
  std::optional<std::string> canonical = base::CanonicalConversationId(member);
  item.conversation_id = canonical ? std::move(*canonical) : std::string(member);
  return item;
}

std::string InboxItemMember(const InboxItem& item) {
  return std::to_string(item.inbox_seq) + '|' + std::to_string(item.send_time) + '|' +
         std::to_string(item.seq) + '|' + item.conversation_id;
}

}  // namespace parley::store
