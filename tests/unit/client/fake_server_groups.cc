// FakeServer's GROUP command: the ops of the protocol with their error codes;
// every membership change appends a system message and pushes it to the
// members (and to whoever just left or was removed).

#include <boost/json/serialize.hpp>

#include "base/ids.h"
#include "fake_server.h"
#include "protocol/packet.h"

namespace parley::client::testing {
namespace json = boost::json;
using protocol::Cmd;

namespace {

std::string StringOr(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::vector<std::string> Users(const json::object& body) {
  std::vector<std::string> out;
  if (const json::value* v = body.if_contains("members"); v && v->is_array()) {
    for (const json::value& u : v->get_array()) {
      if (u.is_string()) out.emplace_back(u.get_string());
    }
  }
  return out;
}

json::array ToArray(const auto& users) {
  json::array out;
  for (const std::string& u : users) out.emplace_back(u);
  return out;
}

}  // namespace

void FakeServer::HandleGroup(Session& s, const json::object& body) {
  constexpr auto kCmd = static_cast<std::uint16_t>(Cmd::kGroup);
  auto fail = [&](base::Code code, std::string text) {
    Fail(s, kCmd, body, code, std::move(text));
  };
  std::string op = StringOr(body, "op");

  if (op == "mine") {
    json::array list;
    for (const auto& [id, g] : groups_) {
      if (!g.members.contains(s.user)) continue;
      list.push_back(json::object{{"group_id", id},
                                  {"name", g.name},
                                  {"owner_id", g.owner},
                                  {"member_count", g.members.size()},
                                  {"conversation_id", base::GroupConversationId(id)}});
    }
    return Reply(s, kCmd, body, {{"groups", list}});
  }

  std::vector<std::string> users = Users(body);
  std::string group_id = StringOr(body, "group_id");
  if (op == "create") {
    std::string name = StringOr(body, "name");
    if (name.empty()) return fail(base::Code::kBadRequest, "name is missing");
    if (group_id.empty()) group_id = "g" + std::to_string(next_group_++);
    if (groups_.contains(group_id)) return fail(base::Code::kConflict, "group exists");
    Group& g = groups_[group_id];
    g.name = name;
    g.owner = s.user;
    g.members.insert(s.user);
    g.members.insert(users.begin(), users.end());
  } else if (op == "join" || op == "leave" || op == "invite" || op == "kick" || op == "members") {
    auto it = groups_.find(group_id);
    if (it == groups_.end()) return fail(base::Code::kNotFound, "no such group");
    Group& g = it->second;
    bool member = g.members.contains(s.user);
    if (op == "members") {
      if (!member) return fail(base::Code::kForbidden, "not a member");
      return Reply(s, kCmd, body,
                   {{"group_id", group_id},
                    {"name", g.name},
                    {"owner_id", g.owner},
                    {"members", ToArray(g.members)}});
    }
    // As the real server: who joins or leaves is the actor, "users" stays empty.
    if (op == "join") {
      if (member) return fail(base::Code::kConflict, "already a member");
      users.clear();
    } else if (!member) {
      return fail(base::Code::kForbidden, "not a member");
    } else if (op == "leave") {
      users.clear();
    } else if (users.empty()) {
      return fail(base::Code::kBadRequest, "members is missing");
    } else if (op == "kick" && g.owner != s.user) {
      return fail(base::Code::kForbidden, "not the owner");
    }
    for (const std::string& u : users) {
      if (op == "invite" && g.members.contains(u))
        return fail(base::Code::kConflict, "already a member");
    }
  } else {
    return fail(base::Code::kBadRequest, "unknown op '" + op + "'");
  }

  Group& g = groups_[group_id];
  std::set<std::string> removed;
  if (op == "join") g.members.insert(s.user);
  if (op == "invite") g.members.insert(users.begin(), users.end());
  if (op == "leave" && g.members.erase(s.user) != 0) removed.insert(s.user);
  if (op == "kick") {
    for (const std::string& u : users) {
      if (g.members.erase(u) != 0) removed.insert(u);
    }
  }
  std::string conv = base::GroupConversationId(group_id);
  std::string event = json::serialize(
      json::object{{"event", op}, {"actor", s.user}, {"users", ToArray(users)}, {"name", g.name}});
  std::int64_t seq = Append(conv, s.user, event, protocol::kMsgTypeSystem, removed);
  for (const std::string& u : g.members) PushTo(u, conv, seq);
  for (const std::string& u : removed) PushTo(u, conv, seq);
  Reply(s, kCmd, body, {{"group_id", group_id}, {"conversation_id", conv}, {"seq", seq}});
}

}  // namespace parley::client::testing
