#include "client/packets.h"

#include "protocol/packet.h"

namespace parley::client {
namespace json = boost::json;
namespace {

json::object WithCmd(protocol::Cmd cmd) {
  json::object o;
  o["cmd"] = static_cast<std::int64_t>(cmd);
  return o;
}

// A malformed answer is the server's fault, not the caller's: 500, not 400.
base::Error Malformed(const base::Error& e) {
  return base::MakeError(base::Code::kInternal, "malformed reply: " + e.message);
}

// A PULL or HISTORY payload: messages, and hole markers for seqs that hold
// none (docs/protocol.md "Holes").
struct TimelineEntries {
  std::vector<protocol::Message> messages;
  std::vector<std::int64_t> holes;
};

base::Result<TimelineEntries> TimelineArray(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    return base::MakeError(base::Code::kInternal,
                           "malformed reply: '" + std::string(key) + "' is not an array");
  }
  TimelineEntries out;
  out.messages.reserve(v->get_array().size());
  for (const json::value& item : v->get_array()) {
    if (!item.is_object()) return base::MakeError(base::Code::kInternal, "malformed message");
    if (protocol::IsHoleMarker(item.get_object())) {
      auto hole = protocol::HoleFromJson(item.get_object());
      if (!hole) return Malformed(hole.error());
      out.holes.push_back(hole->seq);
      continue;
    }
    auto m = protocol::MessageFromJson(item.get_object());
    if (!m) return Malformed(m.error());
    out.messages.push_back(std::move(*m));
  }
  return out;
}

base::Result<bool> RequiredBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) {
    return base::MakeError(base::Code::kInternal,
                           "malformed reply: '" + std::string(key) + "' is not a bool");
  }
  return v->get_bool();
}

// "conversations": CONVERSATIONS lists every conversation, SYNC the groups.
base::Result<std::vector<ConversationInfo>> ConversationArray(const json::object& response) {
  const json::value* list = response.if_contains("conversations");
  if (list == nullptr || !list->is_array()) {
    return base::MakeError(base::Code::kInternal, "malformed reply: no 'conversations' array");
  }
  std::vector<ConversationInfo> out;
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return base::MakeError(base::Code::kInternal, "malformed conversation");
    const json::object& o = item.get_object();
    ConversationInfo info;
    auto id = protocol::RequiredString(o, "conversation_id");
    auto max_seq = protocol::OptionalInt(o, "max_seq", 0);
    auto ack = protocol::OptionalInt(o, "last_ack_seq", 0);
    auto unread = protocol::OptionalInt(o, "unread", 0);
    if (!id || !max_seq || !ack || !unread) {
      return base::MakeError(base::Code::kInternal, "malformed conversation entry");
    }
    info.conversation_id = *id;
    info.max_seq = *max_seq;
    info.last_ack_seq = *ack;
    info.unread = *unread;
    if (const json::value* last = o.if_contains("last_message"); last && last->is_object()) {
      auto m = protocol::MessageFromJson(last->get_object());
      if (!m) return Malformed(m.error());
      info.last_message = std::move(*m);
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

json::object LoginBody(std::string_view user_id, std::string_view password) {
  json::object o = WithCmd(protocol::Cmd::kLogin);
  o["user_id"] = user_id;
  o["password"] = password;
  return o;
}

json::object TokenLoginBody(std::string_view token) {
  json::object o = WithCmd(protocol::Cmd::kLogin);
  o["token"] = token;
  return o;
}

json::object ChatBody(const Outgoing& m) {
  json::object o = WithCmd(protocol::Cmd::kChat);
  o["msg_id"] = m.msg_id;
  if (m.conversation_id.empty()) {
    o["to"] = m.to;
  } else {
    o["conversation_id"] = m.conversation_id;
  }
  json::object payload{{"content", m.content}, {"msg_type", m.msg_type}};
  if (m.reply_to > 0) payload["reply_to"] = m.reply_to;
  if (m.target_seq > 0) payload["target_seq"] = m.target_seq;
  if (m.remove) payload["remove"] = true;
  o["payload"] = std::move(payload);
  return o;
}

json::object PullBody(std::string_view conversation_id, std::int64_t cursor_seq,
                      std::int64_t limit) {
  json::object o = WithCmd(protocol::Cmd::kPull);
  o["conversation_id"] = conversation_id;
  o["cursor_seq"] = cursor_seq;
  o["limit"] = limit;
  return o;
}

json::object HistoryBody(std::string_view conversation_id, std::int64_t before_seq,
                         std::int64_t limit) {
  json::object o = WithCmd(protocol::Cmd::kHistory);
  o["conversation_id"] = conversation_id;
  o["before_seq"] = before_seq;
  o["limit"] = limit;
  return o;
}

json::object AckBody(std::string_view conversation_id, std::int64_t seq, protocol::AckKind kind) {
  json::object o = WithCmd(protocol::Cmd::kAck);
  o["conversation_id"] = conversation_id;
  o["seq"] = seq;
  // "read" is the default: left out, so a read ACK is what every server takes.
  if (kind == protocol::AckKind::kDelivered) o["kind"] = "delivered";
  return o;
}

json::object ReceiptsBody(std::string_view conversation_id) {
  json::object o = WithCmd(protocol::Cmd::kReceipts);
  o["conversation_id"] = conversation_id;
  return o;
}

json::object SyncBody(std::int64_t inbox_seq, std::int64_t limit,
                      std::optional<std::int64_t> groups_since) {
  json::object o = WithCmd(protocol::Cmd::kSync);
  o["inbox_seq"] = inbox_seq;
  o["limit"] = limit;
  if (groups_since) o["groups_since"] = *groups_since;
  return o;
}

json::object ConversationsBody(std::string_view cursor, std::int64_t limit) {
  json::object o = WithCmd(protocol::Cmd::kConversations);
  if (!cursor.empty()) o["cursor"] = cursor;
  o["limit"] = limit;
  return o;
}

json::object TypingBody(std::string_view conversation_id, protocol::TypingState state) {
  json::object o = WithCmd(protocol::Cmd::kTyping);
  o["conversation_id"] = conversation_id;
  o["typing"] = state == protocol::TypingState::kTyping;
  return o;
}

json::object CmdBody(protocol::Cmd cmd) { return WithCmd(cmd); }

std::optional<base::Error> ErrorOf(const json::object& response) {
  auto code = protocol::OptionalInt(response, "code", 0);
  if (!code) return Malformed(code.error());
  if (*code == 0) return std::nullopt;
  std::string text = "error";
  if (auto e = protocol::OptionalString(response, "error"); e && *e) text = std::string(**e);
  return base::MakeError(static_cast<base::Code>(*code), std::move(text));
}

std::optional<std::int64_t> ReqIdOf(const json::object& packet) {
  const json::value* v = packet.if_contains("req_id");
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

base::Result<LoginReply> ParseLoginReply(const json::object& response) {
  auto user = protocol::RequiredString(response, "user_id");
  if (!user) return Malformed(user.error());
  auto token = protocol::OptionalString(response, "token");
  if (!token) return Malformed(token.error());
  return LoginReply{std::string(*user), std::string(token->value_or(""))};
}

base::Result<SendAck> ParseSendAck(const json::object& response) {
  auto msg_id = protocol::RequiredString(response, "msg_id");
  if (!msg_id) return Malformed(msg_id.error());
  auto conv = protocol::RequiredString(response, "conversation_id");
  if (!conv) return Malformed(conv.error());
  auto seq = protocol::RequiredInt(response, "seq");
  if (!seq) return Malformed(seq.error());
  return SendAck{std::string(*msg_id), std::string(*conv), *seq};
}

base::Result<PullPage> ParsePullPage(const json::object& response) {
  PARLEY_ASSIGN_OR_RETURN(TimelineEntries entries, TimelineArray(response, "payload"));
  auto next = protocol::RequiredInt(response, "next_cursor_seq");
  if (!next) return Malformed(next.error());
  PARLEY_ASSIGN_OR_RETURN(bool has_more, RequiredBool(response, "has_more"));
  return PullPage{std::move(entries.messages), std::move(entries.holes), *next, has_more};
}

base::Result<std::vector<protocol::Message>> ParseHistory(const json::object& response) {
  PARLEY_ASSIGN_OR_RETURN(TimelineEntries entries, TimelineArray(response, "payload"));
  return std::move(entries.messages);
}

base::Result<ConversationPage> ParseConversationPage(const json::object& response) {
  ConversationPage page;
  PARLEY_ASSIGN_OR_RETURN(page.conversations, ConversationArray(response));
  const json::value* more = response.if_contains("has_more");
  page.has_more = more != nullptr && more->is_bool() && more->get_bool();
  auto cursor = protocol::OptionalString(response, "next_cursor");
  if (!cursor) return Malformed(cursor.error());
  if (*cursor) page.next_cursor = **cursor;
  if (page.has_more && page.next_cursor.empty()) {
    return base::MakeError(base::Code::kInternal, "malformed reply: has_more without next_cursor");
  }
  return page;
}

base::Result<SyncPage> ParseSyncPage(const json::object& response) {
  const json::value* payload = response.if_contains("payload");
  if (payload == nullptr || !payload->is_array()) {
    return base::MakeError(base::Code::kInternal, "malformed reply: 'payload' is not an array");
  }
  SyncPage page;
  for (const json::value& item : payload->get_array()) {
    const json::object* entry = item.if_object();
    const json::value* message = entry ? entry->if_contains("message") : nullptr;
    if (message == nullptr || !message->is_object()) {
      return base::MakeError(base::Code::kInternal, "malformed inbox entry");
    }
    auto inbox_seq = protocol::RequiredInt(*entry, "inbox_seq");
    if (!inbox_seq) return Malformed(inbox_seq.error());
    if (protocol::IsHoleMarker(message->get_object())) {
      auto hole = protocol::HoleFromJson(message->get_object());
      if (!hole) return Malformed(hole.error());
      page.holes.push_back(std::move(*hole));
      continue;
    }
    auto m = protocol::MessageFromJson(message->get_object());
    if (!m) return Malformed(m.error());
    page.entries.push_back(InboxEntry{*inbox_seq, std::move(*m)});
  }
  auto next = protocol::RequiredInt(response, "next_inbox_seq");
  if (!next) return Malformed(next.error());
  page.next_inbox_seq = *next;
  PARLEY_ASSIGN_OR_RETURN(page.has_more, RequiredBool(response, "has_more"));
  // Older servers may leave out what does not apply.
  const json::value* expired = response.if_contains("expired");
  page.expired = expired != nullptr && expired->is_bool() && expired->get_bool();
  if (response.contains("conversations")) {
    PARLEY_ASSIGN_OR_RETURN(page.conversations, ConversationArray(response));
  }
  const json::value* truncated = response.if_contains("conversations_truncated");
  page.conversations_truncated =
      truncated != nullptr && truncated->is_bool() && truncated->get_bool();
  if (const json::value* since = response.if_contains("next_groups_since")) {
    if (!since->is_int64()) {
      return base::MakeError(base::Code::kInternal, "malformed reply: next_groups_since");
    }
    page.next_groups_since = since->get_int64();
  }
  return page;
}

base::Result<protocol::Message> ParsePush(const json::object& packet) {
  const json::value* payload = packet.if_contains("payload");
  if (payload == nullptr || !payload->is_object()) {
    return base::MakeError(base::Code::kInternal, "malformed push: no payload object");
  }
  auto m = protocol::MessageFromJson(payload->get_object());
  if (!m) return Malformed(m.error());
  return m;
}

std::optional<AckNotice> ParseAckNotice(const json::object& packet) {
  auto event = protocol::OptionalString(packet, "event");
  if (!event || !*event || **event != "ack" || packet.contains("req_id")) return std::nullopt;
  auto id = protocol::RequiredString(packet, "conversation_id");
  auto seq = protocol::RequiredInt(packet, "last_ack_seq");
  if (!id || !seq) return std::nullopt;
  return AckNotice{std::string(*id), *seq};
}

std::optional<ReceiptNotice> ParseReceiptNotice(const json::object& packet) {
  auto event = protocol::OptionalString(packet, "event");
  if (!event || !*event || packet.contains("req_id")) return std::nullopt;
  ReceiptNotice notice;
  if (**event == "read") {
    notice.kind = protocol::AckKind::kRead;
  } else if (**event == "delivered") {
    notice.kind = protocol::AckKind::kDelivered;
  } else {
    return std::nullopt;
  }
  auto id = protocol::RequiredString(packet, "conversation_id");
  auto user = protocol::RequiredString(packet, "user_id");
  auto seq = protocol::RequiredInt(packet, "seq");
  if (!id || !user || !seq) return std::nullopt;
  notice.conversation_id = std::string(*id);
  notice.user_id = std::string(*user);
  notice.seq = *seq;
  return notice;
}

base::Result<std::vector<MemberReceipt>> ParseReceipts(const json::object& answer) {
  const json::value* list = answer.if_contains("receipts");
  if (list == nullptr || !list->is_array()) {
    return base::MakeError(base::Code::kInternal, "malformed receipts: no array");
  }
  std::vector<MemberReceipt> out;
  out.reserve(list->get_array().size());
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return base::MakeError(base::Code::kInternal, "malformed receipt");
    const json::object& o = item.get_object();
    auto user = protocol::RequiredString(o, "user_id");
    auto read = protocol::RequiredInt(o, "read_seq");
    auto delivered = protocol::RequiredInt(o, "delivered_seq");
    if (!user || !read || !delivered) {
      return base::MakeError(base::Code::kInternal, "malformed receipt");
    }
    out.push_back(MemberReceipt{std::string(*user), *read, *delivered});
  }
  return out;
}

}  // namespace parley::client
