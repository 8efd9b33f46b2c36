#include "core/group_service.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <random>

#include "base/ids.h"
#include "core/group_settings.h"
#include "protocol/commands.h"
#include "protocol/message.h"
#include "protocol/packet.h"

namespace parley::core {
namespace json = boost::json;
using protocol::Cmd;

namespace {

constexpr std::size_t kMaxGroupNameBytes = 128;

base::Error BadRequest(std::string message) {
  return base::MakeError(base::Code::kBadRequest, std::move(message));
}

// 16 hex digits from a per-thread generator: ids for groups and system
// messages only need to be unique, not secret.
std::string RandomHex() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  std::string out(16, '0');
  for (char& c : out) {
    c = kDigits[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

// The ops that change a group, by their wire name (also the "event" of
// their system message).
constexpr std::pair<GroupOp, std::string_view> kChangeOps[] = {
    {GroupOp::kCreate, "create"}, {GroupOp::kJoin, "join"},   {GroupOp::kLeave, "leave"},
    {GroupOp::kInvite, "invite"}, {GroupOp::kKick, "kick"},   {GroupOp::kUnban, "unban"},
    {GroupOp::kSettings, "settings"}, {GroupOp::kPromote, "promote"},
    {GroupOp::kDemote, "demote"},     {GroupOp::kTransfer, "transfer"},
    {GroupOp::kMute, "mute"},         {GroupOp::kUnmute, "unmute"}};

std::string_view EventName(GroupOp op) {
  for (const auto& [known, name] : kChangeOps) {
    if (known == op) return name;
  }
  return "unknown";
}

std::optional<GroupOp> ChangeOpOf(std::string_view op) {
  for (const auto& [known, name] : kChangeOps) {
    if (name == op) return known;
  }
  return std::nullopt;
}

bool TakesUsers(GroupOp op) {
  return op == GroupOp::kCreate || op == GroupOp::kInvite || op == GroupOp::kKick ||
         op == GroupOp::kUnban || op == GroupOp::kPromote || op == GroupOp::kDemote ||
         op == GroupOp::kMute || op == GroupOp::kUnmute;
}

// The wire form of a mute's end: 0 for "until unmuted".
std::int64_t WireUntil(std::int64_t until) { return until == kMutedIndefinitely ? 0 : until; }

// transfer's "to": the new owner, the op's only target.
base::Result<void> ParseTransfer(const json::object& request, GroupChange& change) {
  PARLEY_ASSIGN_OR_RETURN(std::string_view to, protocol::RequiredString(request, "to"));
  if (!base::IsValidUserId(to)) return BadRequest("field 'to' must be a valid user id");
  change.users = {std::string(to)};
  return {};
}

// mute's "until" (ms since the epoch); absent or 0: until unmuted.
base::Result<void> ParseMuteUntil(const json::object& request, GroupChange& change) {
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t until, protocol::OptionalInt(request, "until", 0));
  if (until < 0) return BadRequest("until must be a time in ms since the epoch, or 0");
  change.mute_until = until == 0 ? kMutedIndefinitely : until;
  return {};
}

// join_policy, history_visibility and only_admins_send, each optional; 400
// for an unknown value.
base::Result<void> ParseSettings(const json::object& request, GroupChange& change) {
  PARLEY_ASSIGN_OR_RETURN(auto policy, protocol::OptionalString(request, "join_policy"));
  if (policy) {
    change.join_policy = ParseJoinPolicy(*policy);
    if (!change.join_policy) return BadRequest("join_policy must be 'invite' or 'open'");
  }
  PARLEY_ASSIGN_OR_RETURN(auto history, protocol::OptionalString(request, "history_visibility"));
  if (history) {
    change.history_visibility = ParseHistoryVisibility(*history);
    if (!change.history_visibility) {
      return BadRequest("history_visibility must be 'joined' or 'shared'");
    }
  }
  if (request.contains("only_admins_send")) {
    PARLEY_ASSIGN_OR_RETURN(const bool only_admins,
                            protocol::RequiredBool(request, "only_admins_send"));
    change.send_policy = only_admins ? SendPolicy::kAdmins : SendPolicy::kEveryone;
  }
  return {};
}

// "members": an array of valid user ids, without duplicates, at most `max`.
base::Result<std::vector<std::string>> UserList(const json::object& request, bool required,
                                                std::size_t max) {
  std::vector<std::string> users;
  const json::value* v = request.if_contains("members");
  if (v == nullptr) {
    if (required) return BadRequest("field 'members' is missing");
    return users;
  }
  if (!v->is_array()) return BadRequest("field 'members' must be an array of user ids");
  const json::array& items = v->get_array();
  if (items.size() > max) {
    return BadRequest("at most " + std::to_string(max) + " members per request");
  }
  for (const json::value& item : items) {
    if (!item.is_string() || !base::IsValidUserId(item.get_string())) {
      return BadRequest("field 'members' must hold valid user ids");
    }
    users.emplace_back(item.get_string());
  }
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  if (required && users.empty()) return BadRequest("field 'members' is empty");
  return users;
}

std::string SystemContent(const GroupChange& change) {
  json::array users;
  for (const std::string& u : change.users) users.emplace_back(u);
  json::object content{{"event", EventName(change.op)}, {"actor", change.actor},
                       {"users", std::move(users)}};
  if (change.op == GroupOp::kCreate) content["name"] = change.name;
  if (change.join_policy) content["join_policy"] = JoinPolicyName(*change.join_policy);
  if (change.history_visibility) {
    content["history_visibility"] = HistoryVisibilityName(*change.history_visibility);
  }
  if (change.send_policy) content["only_admins_send"] = *change.send_policy == SendPolicy::kAdmins;
  if (change.op == GroupOp::kMute) content["until"] = WireUntil(change.mute_until);
  return json::serialize(content);
}

// The members answer's "admins", "muted" (mutes in force, "until" 0: until
// unmuted) and "only_admins_send".
void AddRoles(const GroupInfo& group, std::int64_t now, json::object& answer) {
  json::array admins;
  if (group.admins) {
    for (const std::string& a : *group.admins) admins.emplace_back(a);
  }
  json::array muted;
  if (group.mutes) {
    for (const Mute& m : *group.mutes) {
      if (m.until <= now) continue;
      muted.push_back(json::object{{"user", m.user_id}, {"until", WireUntil(m.until)}});
    }
  }
  answer["admins"] = std::move(admins);
  answer["muted"] = std::move(muted);
  answer["only_admins_send"] = group.send_policy == SendPolicy::kAdmins;
}

}  // namespace

GroupService::GroupService(Store& store, Bus& bus, const base::Clock& clock,
                           base::Metrics& metrics, GroupOptions options)
    : store_(store), bus_(bus), clock_(clock), metrics_(metrics), options_(options) {}

asio::awaitable<base::Result<std::string>> GroupService::Handle(const Caller& caller,
                                                                const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(std::string_view op, protocol::RequiredString(request, "op"));
  if (op == "members") co_return co_await Members(caller, request);
  if (op == "mine") co_return co_await Mine(caller, request);
  std::optional<GroupOp> change_op = ChangeOpOf(op);
  if (!change_op) {
    co_return BadRequest("unknown op '" + std::string(op) +
                         "' (create, join, leave, invite, kick, unban, settings, promote, demote, "
                         "transfer, mute, unmute, members, mine)");
  }

  GroupChange change;
  change.op = *change_op;
  change.actor = caller.user_id;
  PARLEY_CO_ASSIGN_OR_RETURN(auto group_id, protocol::OptionalString(request, "group_id"));
  if (group_id) {
    if (!base::IsValidGroupId(*group_id)) {
      co_return BadRequest("group_id must be 1-64 characters of [A-Za-z0-9_.-]");
    }
    change.group_id = *group_id;
  } else if (change.op == GroupOp::kCreate) {
    change.group_id = "g" + RandomHex();
  } else {
    co_return BadRequest("field 'group_id' is missing");
  }
  if (TakesUsers(change.op)) {
    PARLEY_CO_ASSIGN_OR_RETURN(change.users,
                               UserList(request, change.op != GroupOp::kCreate,
                                        options_.max_members_per_request));
    std::erase(change.users, caller.user_id);  // the actor is never its own target
    if (change.op == GroupOp::kKick && change.users.empty()) {
      co_return BadRequest("you cannot kick yourself; use leave");
    }
  }
  if (change.op == GroupOp::kCreate) {
    PARLEY_CO_ASSIGN_OR_RETURN(std::string_view name, protocol::RequiredString(request, "name"));
    if (name.empty() || name.size() > kMaxGroupNameBytes) {
      co_return BadRequest("name must be 1-128 bytes");
    }
    change.name = name;
  }
  if (change.op == GroupOp::kCreate || change.op == GroupOp::kSettings) {
    PARLEY_CO_RETURN_IF_ERROR(ParseSettings(request, change));
  }
  if (change.op == GroupOp::kTransfer) PARLEY_CO_RETURN_IF_ERROR(ParseTransfer(request, change));
  if (change.op == GroupOp::kMute) PARLEY_CO_RETURN_IF_ERROR(ParseMuteUntil(request, change));
  if (change.op == GroupOp::kCreate || change.op == GroupOp::kInvite) {
    PARLEY_CO_RETURN_IF_ERROR(co_await CheckUsersExist(change.users));
  }
  co_return co_await Change(caller, request, std::move(change));
}

asio::awaitable<base::Result<void>> GroupService::CheckUsersExist(
    const std::vector<std::string>& users) {
  if (!options_.require_registered_members) co_return base::Result<void>{};
  for (const std::string& user : users) {
    auto found = co_await store_.FindUser(user);
    if (found) continue;
    if (found.error().code == base::Code::kNotFound) {
      co_return base::MakeError(base::Code::kNotFound, "no such user '" + user + "'");
    }
    co_return found.error();
  }
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<std::string>> GroupService::Change(const Caller& caller,
                                                                const json::object& request,
                                                                GroupChange change) {
  const std::string conversation_id = base::GroupConversationId(change.group_id);
  AppendRequest append;
  append.message = protocol::Message{"sys-" + RandomHex() + RandomHex(),
                                     conversation_id,
                                     0,
                                     caller.user_id,
                                     SystemContent(change),
                                     protocol::kMsgTypeSystem,
                                     clock_.NowMs()};
  const std::string group_id = change.group_id;
  append.group_change = std::move(change);
  PARLEY_CO_ASSIGN_OR_RETURN(AppendResult stored, co_await store_.Append(std::move(append)));
  base::Bump(metrics_.messages_stored_total);
  OutboundPacket push{
      static_cast<std::uint16_t>(Cmd::kPush),
      std::make_shared<const std::string>(protocol::PushBody(*stored.message_json))};
  bus_.Publish(*stored.recipients, push, caller.session_id);
  co_return protocol::OkResponse(
      Cmd::kGroup, &request,
      {{"group_id", group_id}, {"conversation_id", conversation_id}, {"seq", stored.seq}});
}

asio::awaitable<base::Result<std::string>> GroupService::Members(const Caller& caller,
                                                                 const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(std::string_view group_id,
                             protocol::RequiredString(request, "group_id"));
  if (!base::IsValidGroupId(group_id)) {
    co_return BadRequest("group_id must be 1-64 characters of [A-Za-z0-9_.-]");
  }
  PARLEY_CO_ASSIGN_OR_RETURN(GroupInfo group, co_await store_.GetGroup(std::string(group_id)));
  if (!group.IsMember(caller.user_id)) {
    co_return base::MakeError(base::Code::kForbidden, "not a member of this group");
  }
  json::array members;
  members.reserve(group.members->size());
  for (const std::string& m : *group.members) members.emplace_back(m);
  json::object answer{{"group_id", group.group_id},
                      {"name", group.name},
                      {"owner_id", group.owner_id},
                      {"members", std::move(members)},
                      {"join_policy", JoinPolicyName(group.join_policy)},
                      {"history_visibility", HistoryVisibilityName(group.history_visibility)}};
  // Who is banned is the moderators' business only.
  if (group.IsModerator(caller.user_id) && group.banned) {
    json::array banned;
    for (const std::string& b : *group.banned) banned.emplace_back(b);
    answer["banned"] = std::move(banned);
  }
  AddRoles(group, clock_.NowMs(), answer);
  co_return protocol::OkResponse(Cmd::kGroup, &request, std::move(answer));
}

asio::awaitable<base::Result<std::string>> GroupService::Mine(const Caller& caller,
                                                              const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(std::vector<GroupInfo> groups,
                             co_await store_.GroupsOf(caller.user_id));
  json::array list;
  list.reserve(groups.size());
  for (const GroupInfo& g : groups) {
    list.push_back(json::object{{"group_id", g.group_id},
                                {"name", g.name},
                                {"owner_id", g.owner_id},
                                {"member_count", g.members->size()},
                                {"conversation_id", base::GroupConversationId(g.group_id)}});
  }
  co_return protocol::OkResponse(Cmd::kGroup, &request, {{"groups", std::move(list)}});
}

}  // namespace parley::core
