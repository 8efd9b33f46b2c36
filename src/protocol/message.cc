#include "protocol/message.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/json_writer.h"
#include "protocol/packet.h"

namespace parley::protocol {
namespace json = boost::json;

namespace {

json::array ReactionsToJson(const std::vector<Reaction>& reactions) {
  json::array list;
  list.reserve(reactions.size());
  for (const Reaction& r : reactions) {
    json::array users;
    users.reserve(r.users.size());
    for (const std::string& u : r.users) users.emplace_back(u);
    list.push_back(json::object{{"emoji", r.emoji}, {"users", std::move(users)}});
  }
  return list;
}

base::Result<std::vector<Reaction>> ReactionsFrom(const json::value& value) {
  auto bad = [] { return base::MakeError(base::Code::kBadRequest, "malformed reactions"); };
  if (!value.is_array()) return bad();
  std::vector<Reaction> out;
  out.reserve(value.get_array().size());
  for (const json::value& item : value.get_array()) {
    if (!item.is_object()) return bad();
    Reaction r;
    PARLEY_ASSIGN_OR_RETURN(auto emoji, RequiredString(item.get_object(), "emoji"));
    r.emoji = emoji;
    const json::value* users = item.get_object().if_contains("users");
    if (users == nullptr || !users->is_array()) return bad();
    for (const json::value& u : users->get_array()) {
      if (!u.is_string()) return bad();
      r.users.emplace_back(u.get_string());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string SerializeReactions(const std::vector<Reaction>& reactions) {
  return json::serialize(ReactionsToJson(reactions));
}

base::Result<std::vector<Reaction>> ReactionsFromJson(std::string_view json_text) {
  if (json_text.empty()) return std::vector<Reaction>{};
  boost::system::error_code ec;
  json::value value = json::parse(json_text, ec);
  if (ec) return base::MakeError(base::Code::kBadRequest, "malformed reactions");
  return ReactionsFrom(value);
}

json::object MessageToJson(const Message& m) {
  json::object o;
  o["msg_id"] = m.msg_id;
  o["conversation_id"] = m.conversation_id;
  o["seq"] = m.seq;
  o["sender_id"] = m.sender_id;
  o["content"] = m.content;
  o["msg_type"] = m.msg_type;
  o["send_time"] = m.send_time;
  if (m.reply_to > 0) o["reply_to"] = m.reply_to;
  if (m.target_seq > 0) o["target_seq"] = m.target_seq;
  if (m.remove) o["remove"] = true;
  if (m.edit_seq > 0) {
    o["edit_seq"] = m.edit_seq;
    o["edited_at"] = m.edited_at;
  }
  if (m.recalled) o["recalled"] = true;
  if (!m.reactions.empty()) o["reactions"] = ReactionsToJson(m.reactions);
  if (!m.media.empty()) {
    if (auto media = ParseObject(m.media)) o["media"] = std::move(*media);
  }
  return o;
}

// Same keys, order and text as json::serialize(MessageToJson(m)), without
// the object: this runs once per message on the writer thread.
std::string SerializeMessage(const Message& m) { return SerializeMessage(m, m.seq); }

std::string SerializeMessage(const Message& m, std::int64_t seq) {
  std::string out;
  out.reserve(112 + m.msg_id.size() + m.conversation_id.size() + m.sender_id.size() +
              m.content.size());
  out.append(R"({"msg_id":)");
  AppendJsonString(out, m.msg_id);
  out.append(R"(,"conversation_id":)");
  AppendJsonString(out, m.conversation_id);
  out.append(R"(,"seq":)");
  AppendJsonInt(out, seq);
  out.append(R"(,"sender_id":)");
  AppendJsonString(out, m.sender_id);
  out.append(R"(,"content":)");
  AppendJsonString(out, m.content);
  out.append(R"(,"msg_type":)");
  AppendJsonInt(out, m.msg_type);
  out.append(R"(,"send_time":)");
  AppendJsonInt(out, m.send_time);
  if (m.reply_to > 0) {
    out.append(R"(,"reply_to":)");
    AppendJsonInt(out, m.reply_to);
  }
  if (m.target_seq > 0) {
    out.append(R"(,"target_seq":)");
    AppendJsonInt(out, m.target_seq);
  }
  if (m.remove) out.append(R"(,"remove":true)");
  if (m.edit_seq > 0) {
    out.append(R"(,"edit_seq":)");
    AppendJsonInt(out, m.edit_seq);
    out.append(R"(,"edited_at":)");
    AppendJsonInt(out, m.edited_at);
  }
  if (m.recalled) out.append(R"(,"recalled":true)");
  if (!m.reactions.empty()) {
    out.append(R"(,"reactions":)");
    out.append(SerializeReactions(m.reactions));
  }
  if (!m.media.empty()) {
    out.append(R"(,"media":)");
    out.append(m.media);  // JSON the server wrote itself (core/media_messages.h)
  }
  out.push_back('}');
  return out;
}

namespace {

// A flag written only when true.
bool OptionalFlag(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace

base::Result<Message> MessageFromJson(const json::object& o) {
  Message m;
  PARLEY_ASSIGN_OR_RETURN(auto msg_id, RequiredString(o, "msg_id"));
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(o, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(auto seq, RequiredInt(o, "seq"));
  PARLEY_ASSIGN_OR_RETURN(auto sender, RequiredString(o, "sender_id"));
  PARLEY_ASSIGN_OR_RETURN(auto content, RequiredString(o, "content"));
  PARLEY_ASSIGN_OR_RETURN(auto msg_type, RequiredInt(o, "msg_type"));
  PARLEY_ASSIGN_OR_RETURN(auto send_time, RequiredInt(o, "send_time"));
  PARLEY_ASSIGN_OR_RETURN(m.reply_to, OptionalInt(o, "reply_to", 0));
  PARLEY_ASSIGN_OR_RETURN(m.target_seq, OptionalInt(o, "target_seq", 0));
  PARLEY_ASSIGN_OR_RETURN(m.edit_seq, OptionalInt(o, "edit_seq", 0));
  PARLEY_ASSIGN_OR_RETURN(m.edited_at, OptionalInt(o, "edited_at", 0));
  m.remove = OptionalFlag(o, "remove");
  m.recalled = OptionalFlag(o, "recalled");
  if (const json::value* reactions = o.if_contains("reactions")) {
    PARLEY_ASSIGN_OR_RETURN(m.reactions, ReactionsFrom(*reactions));
  }
  m.msg_id = msg_id;
  m.conversation_id = conv;
  m.seq = seq;
  m.sender_id = sender;
  m.content = content;
  m.msg_type = msg_type;
  m.send_time = send_time;
  if (const json::value* media = o.if_contains("media"); media != nullptr && media->is_object()) {
    m.media = json::serialize(media->get_object());
  }
  return m;
}

base::Result<Message> ParseMessage(std::string_view json_text) {
  auto obj = ParseObject(json_text);
  if (!obj) return obj.error();
  return MessageFromJson(*obj);
}

std::string SerializeHole(const HoleMarker& hole) {
  std::string out;
  out.reserve(48 + hole.conversation_id.size());
  out.append(R"({"conversation_id":)");
  AppendJsonString(out, hole.conversation_id);
  out.append(R"(,"seq":)");
  AppendJsonInt(out, hole.seq);
  out.append(R"(,"hole":true})");
  return out;
}

bool IsHoleMarker(const json::object& o) {
  const json::value* hole = o.if_contains("hole");
  return hole != nullptr && hole->is_bool() && hole->get_bool();
}

base::Result<HoleMarker> HoleFromJson(const json::object& o) {
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(o, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(auto seq, RequiredInt(o, "seq"));
  if (!IsHoleMarker(o)) return base::MakeError(base::Code::kBadRequest, "not a hole marker");
  return HoleMarker{std::string(conv), seq};
}

std::string PushBody(std::string_view message_json) {
  constexpr std::string_view kPrefix = R"({"cmd":5,"payload":)";
  std::string out;
  out.reserve(kPrefix.size() + message_json.size() + 1);
  out.append(kPrefix).append(message_json).push_back('}');
  return out;
}

std::string JsonArrayOf(const std::string* first, std::size_t count) {
  std::size_t total = 2 + count;
  for (std::size_t i = 0; i < count; ++i) total += first[i].size();
  std::string out;
  out.reserve(total);
  out.push_back('[');
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out.push_back(',');
    out.append(first[i]);
  }
  out.push_back(']');
  return out;
}

}  // namespace parley::protocol
