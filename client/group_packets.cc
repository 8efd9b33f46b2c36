#include "client/group_packets.h"

#include "protocol/commands.h"
#include "protocol/packet.h"

namespace parley::client {
namespace json = boost::json;
namespace {

json::object WithOp(std::string_view op) {
  json::object o;
  o["cmd"] = static_cast<std::int64_t>(protocol::Cmd::kGroup);
  o["op"] = op;
  return o;
}

json::array ToArray(const std::vector<std::string>& users) {
  json::array out;
  for (const std::string& u : users) out.emplace_back(u);
  return out;
}

base::Error Malformed(std::string what) {
  return base::MakeError(base::Code::kInternal, "malformed group reply: " + what);
}

base::Result<std::string> StringField(const json::object& o, std::string_view key) {
  auto v = protocol::RequiredString(o, key);
  if (!v) return Malformed(v.error().message);
  return std::string(*v);
}

// A missing or mistyped list is malformed; so is a non-string entry.
base::Result<std::vector<std::string>> StringArray(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array())
    return Malformed("'" + std::string(key) + "' is not an array");
  std::vector<std::string> out;
  for (const json::value& item : v->get_array()) {
    if (!item.is_string()) return Malformed("'" + std::string(key) + "' holds a non-string");
    out.emplace_back(item.get_string());
  }
  return out;
}

// "muted": [{"user","until"}…]; absent (older servers): none.
base::Result<std::vector<GroupMute>> Mutes(const json::object& o) {
  std::vector<GroupMute> out;
  const json::value* v = o.if_contains("muted");
  if (v == nullptr) return out;
  if (!v->is_array()) return Malformed("'muted' is not an array");
  for (const json::value& item : v->get_array()) {
    if (!item.is_object()) return Malformed("a mute is not an object");
    GroupMute mute;
    PARLEY_ASSIGN_OR_RETURN(mute.user_id, StringField(item.get_object(), "user"));
    auto until = protocol::OptionalInt(item.get_object(), "until", 0);
    if (!until) return Malformed(until.error().message);
    mute.until = *until;
    out.push_back(std::move(mute));
  }
  return out;
}

}  // namespace

json::object GroupCreateBody(std::string_view name, const std::vector<std::string>& members,
                             std::string_view group_id) {
  json::object o = WithOp("create");
  o["name"] = name;
  o["members"] = ToArray(members);
  if (!group_id.empty()) o["group_id"] = group_id;
  return o;
}

json::object GroupBody(std::string_view op, std::string_view group_id) {
  json::object o = WithOp(op);
  o["group_id"] = group_id;
  return o;
}

json::object GroupMembersBody(std::string_view op, std::string_view group_id,
                              const std::vector<std::string>& members) {
  json::object o = GroupBody(op, group_id);
  o["members"] = ToArray(members);
  return o;
}

json::object GroupMuteBody(std::string_view group_id, const std::vector<std::string>& members,
                           std::int64_t until) {
  json::object o = GroupMembersBody("mute", group_id, members);
  if (until != 0) o["until"] = until;
  return o;
}

json::object GroupTransferBody(std::string_view group_id, std::string_view to) {
  json::object o = GroupBody("transfer", group_id);
  o["to"] = to;
  return o;
}

json::object GroupMineBody() { return WithOp("mine"); }

base::Result<GroupReply> ParseGroupReply(const json::object& response) {
  GroupReply reply;
  PARLEY_ASSIGN_OR_RETURN(reply.group_id, StringField(response, "group_id"));
  PARLEY_ASSIGN_OR_RETURN(reply.conversation_id, StringField(response, "conversation_id"));
  auto seq = protocol::OptionalInt(response, "seq", 0);
  if (!seq) return Malformed(seq.error().message);
  reply.seq = *seq;
  return reply;
}

base::Result<GroupMembersInfo> ParseGroupMembers(const json::object& response) {
  GroupMembersInfo info;
  PARLEY_ASSIGN_OR_RETURN(info.group_id, StringField(response, "group_id"));
  PARLEY_ASSIGN_OR_RETURN(info.name, StringField(response, "name"));
  PARLEY_ASSIGN_OR_RETURN(info.owner_id, StringField(response, "owner_id"));
  PARLEY_ASSIGN_OR_RETURN(info.members, StringArray(response, "members"));
  if (response.contains("admins")) {
    PARLEY_ASSIGN_OR_RETURN(info.admins, StringArray(response, "admins"));
  }
  PARLEY_ASSIGN_OR_RETURN(info.muted, Mutes(response));
  const json::value* only_admins = response.if_contains("only_admins_send");
  if (only_admins && only_admins->is_bool() && only_admins->get_bool()) {
    info.send_policy = SendPolicy::kOnlyAdmins;
  }
  return info;
}

base::Result<std::vector<GroupSummary>> ParseMyGroups(const json::object& response) {
  const json::value* list = response.if_contains("groups");
  if (list == nullptr || !list->is_array()) return Malformed("'groups' is not an array");
  std::vector<GroupSummary> out;
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return Malformed("a group entry is not an object");
    const json::object& o = item.get_object();
    GroupSummary g;
    PARLEY_ASSIGN_OR_RETURN(g.group_id, StringField(o, "group_id"));
    PARLEY_ASSIGN_OR_RETURN(g.name, StringField(o, "name"));
    PARLEY_ASSIGN_OR_RETURN(g.owner_id, StringField(o, "owner_id"));
    PARLEY_ASSIGN_OR_RETURN(g.conversation_id, StringField(o, "conversation_id"));
    auto count = protocol::OptionalInt(o, "member_count", 0);
    if (!count) return Malformed(count.error().message);
    g.member_count = *count;
    out.push_back(std::move(g));
  }
  return out;
}

std::optional<GroupEvent> ParseGroupEvent(const protocol::Message& m) {
  if (m.msg_type != protocol::kMsgTypeSystem) return std::nullopt;
  auto content = protocol::ParseObject(m.content);
  if (!content) return std::nullopt;
  auto event = protocol::RequiredString(*content, "event");
  auto actor = protocol::OptionalString(*content, "actor");
  auto name = protocol::OptionalString(*content, "name");
  if (!event || !actor || !name) return std::nullopt;
  GroupEvent out;
  out.event = *event;
  out.actor = actor->value_or(m.sender_id);
  out.name = name->value_or("");
  if (content->contains("users")) {
    auto users = StringArray(*content, "users");
    if (!users) return std::nullopt;
    out.users = std::move(*users);
  }
  auto until = protocol::OptionalInt(*content, "until", 0);
  if (!until) return std::nullopt;
  out.until = *until;
  return out;
}

}  // namespace parley::client
