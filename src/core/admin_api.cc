#include "core/admin_api.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>

#include "base/ids.h"
#include "core/auth_service.h"
#include "core/bus.h"
#include "core/caller.h"
#include "core/group_service.h"
#include "core/message_service.h"
#include "core/store.h"
#include "protocol/packet.h"

namespace parley::core {
namespace json = boost::json;
namespace {

// A minted token lives at most this long; a backend mints again.
constexpr std::int64_t kMaxTokenTtlSeconds = 30LL * 24 * 3600;
constexpr std::string_view kPrefix = "/api/admin/";

HttpReply Error(int status, std::string message) {
  return HttpReply{status, json::serialize(json::object{{"code", status}, {"error", std::move(message)}})};
}

HttpReply Error(base::Code code, std::string message) {
  return Error(static_cast<int>(code), std::move(message));
}

HttpReply Error(const base::Error& error) { return Error(error.code, error.message); }

HttpReply NoSuchEndpoint() { return Error(base::Code::kNotFound, "no such server API endpoint"); }

HttpReply MethodNotAllowed(std::string_view allowed) {
  return Error(405, "use " + std::string(allowed));
}

HttpReply Json(int status, const json::object& body) {
  return HttpReply{status, json::serialize(body)};
}

// A command's answer as the API's: the protocol's envelope ("cmd", "code",
// a "req_id" nobody sent) goes, the fields stay.
HttpReply FromCommand(const base::Result<std::string>& answer, int status = 200) {
  if (!answer) return Error(answer.error());
  auto parsed = protocol::ParseObject(*answer);
  if (!parsed) return Error(base::Code::kInternal, "unreadable answer");
  parsed->erase("cmd");
  parsed->erase("code");
  return Json(status, *parsed);
}

// "/api/admin/users/alice/ban" -> {"users", "alice", "ban"}; "" segments
// (a doubled or trailing slash) are kept so such paths match nothing.
std::vector<std::string_view> Segments(std::string_view rest) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    rest.remove_prefix(slash + 1);
  }
}

json::object UserJson(const UserRecord& user) {
  return json::object{{"user_id", user.user_id},
                      {"created_at", user.created_at},
                      {"banned", user.standing == UserStanding::kBanned},
                      {"tokens_valid_after", user.tokens_valid_after},
                      {"has_password", !user.password_hash.empty()}};
}

// The user ids of a JSON array field; 400 when it is not an array of valid ids.
base::Result<std::vector<std::string>> UserIds(const json::object& request, std::string_view key) {
  const json::value* field = request.if_contains(key);
  if (field == nullptr || !field->is_array()) {
    return base::MakeError(base::Code::kBadRequest, "'" + std::string(key) + "' must be an array of user ids");
  }
  std::vector<std::string> ids;
  for (const json::value& v : field->get_array()) {
    if (!v.is_string() || !base::IsValidUserId(v.get_string())) {
      return base::MakeError(base::Code::kBadRequest, "'" + std::string(key) + "' holds an invalid user id");
    }
    ids.emplace_back(v.get_string());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

json::array ToArray(const std::vector<std::string>& ids) {
  json::array out;
  for (const std::string& id : ids) out.emplace_back(id);
  return out;
}

}  // namespace

AdminApi::AdminApi(AuthService& auth, Store& store, Bus& bus, MessageService& messages,
                   GroupService& groups, const base::Clock& clock)
    : auth_(auth), store_(store), bus_(bus), messages_(messages), groups_(groups), clock_(clock) {}

asio::awaitable<HttpReply> AdminApi::Handle(std::string_view method, std::string_view path,
                                            std::string_view authorization, std::string body) {
  if (!auth_.api_enabled()) co_return Error(base::Code::kNotFound, "the server API is off (--api-key)");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer) || !auth_.IsApiKey(authorization.substr(kBearer.size()))) {
    co_return Error(base::Code::kUnauthenticated, "missing or wrong API key");
  }
  if (!path.starts_with(kPrefix)) co_return NoSuchEndpoint();
  const std::vector<std::string_view> segments = Segments(path.substr(kPrefix.size()));
  const std::string_view resource = segments.front();
  if (resource == "users") co_return co_await Users(method, segments, std::move(body));
  if (resource == "groups") co_return co_await Groups(method, segments, std::move(body));
  if (resource == "tokens" || resource == "messages" || resource == "backup") {
    if (segments.size() != 1) co_return NoSuchEndpoint();
    if (method != "POST") co_return MethodNotAllowed("POST");
    auto request = protocol::ParseObject(body);
    if (!request) co_return Error(request.error());
    if (resource == "tokens") co_return co_await MintToken(*request);
    if (resource == "backup") co_return co_await Backup(*request);
    co_return co_await Send(std::move(*request));
  }
  co_return NoSuchEndpoint();
}

asio::awaitable<HttpReply> AdminApi::Users(std::string_view method,
                                           const std::vector<std::string_view>& path,
                                           std::string body) {
  if (path.size() == 1) {
    if (method != "POST") co_return MethodNotAllowed("POST");
    auto request = protocol::ParseObject(body);
    if (!request) co_return Error(request.error());
    co_return co_await CreateUser(*request);
  }
  if (path.size() > 3 || !base::IsValidUserId(path[1])) {
    co_return NoSuchEndpoint();
  }
  std::string user_id(path[1]);
  const std::string_view action = path.size() == 3 ? path[2] : std::string_view();
  if (action.empty() || action == "devices" || action == "conversations") {
    if (method != "GET") co_return MethodNotAllowed("GET");
    if (action == "devices") co_return co_await Devices(std::move(user_id));
    if (action == "conversations") co_return co_await Conversations(std::move(user_id));
    co_return co_await ShowUser(std::move(user_id));
  }
  std::optional<StandingChange> change;
  if (action == "ban") change = StandingChange::kBan;
  if (action == "unban") change = StandingChange::kUnban;
  if (action == "logout") change = StandingChange::kLogoutEverywhere;
  if (!change) co_return NoSuchEndpoint();
  if (method != "POST") co_return MethodNotAllowed("POST");
  co_return co_await ChangeStanding(std::move(user_id), *change);
}

asio::awaitable<HttpReply> AdminApi::Groups(std::string_view method,
                                            const std::vector<std::string_view>& path,
                                            std::string body) {
  if (path.size() == 1) {
    if (method != "POST") co_return MethodNotAllowed("POST");
    auto request = protocol::ParseObject(body);
    if (!request) co_return Error(request.error());
    co_return co_await CreateGroup(std::move(*request));
  }
  if (path.size() > 3 || !base::IsValidGroupId(path[1])) {
    co_return NoSuchEndpoint();
  }
  std::string group_id(path[1]);
  if (path.size() == 2) {
    if (method != "GET") co_return MethodNotAllowed("GET");
    co_return co_await ShowGroup(std::move(group_id));
  }
  const bool members = path[2] == "members";
  if (!members && path[2] != "owner") {
    co_return NoSuchEndpoint();
  }
  if (method != (members ? "PUT" : "POST")) co_return MethodNotAllowed(members ? "PUT" : "POST");
  auto request = protocol::ParseObject(body);
  if (!request) co_return Error(request.error());
  if (!members) co_return co_await SetOwner(std::move(group_id), *request);
  co_return co_await SetMembers(std::move(group_id), *request);
}

asio::awaitable<HttpReply> AdminApi::CreateUser(const json::object& request) {
  auto user_id = protocol::RequiredString(request, "user_id");
  if (!user_id) co_return Error(user_id.error());
  auto password = protocol::OptionalString(request, "password");
  if (!password) co_return Error(password.error());
  std::string id(*user_id);
  std::optional<std::string> secret;
  if (*password) secret = std::string(**password);
  auto created = co_await auth_.CreateUser(id, std::move(secret));
  if (!created) co_return Error(created.error());
  co_return Json(201, json::object{{"user_id", id}});
}

asio::awaitable<HttpReply> AdminApi::ShowUser(std::string user_id) {
  auto user = co_await store_.FindUser(std::move(user_id));
  if (!user) co_return Error(user.error());
  co_return Json(200, UserJson(*user));
}

asio::awaitable<HttpReply> AdminApi::ChangeStanding(std::string user_id, StandingChange change) {
  UserUpdate update;
  update.user_id = user_id;
  std::string reason;
  switch (change) {
    case StandingChange::kBan:
      update.standing = UserStanding::kBanned;
      reason = "banned";
      break;
    case StandingChange::kUnban: update.standing = UserStanding::kActive; break;
    case StandingChange::kLogoutEverywhere:
      update.tokens_valid_after = clock_.NowMs();
      reason = "logged out everywhere";
      break;
  }
  // Stored first: a device that logs in again between the two steps is
  // refused by the record, and then closed with the others.
  auto updated = co_await store_.UpdateUser(std::move(update));
  if (!updated) co_return Error(updated.error());
  if (!reason.empty()) bus_.Disconnect(user_id, reason);
  co_return Json(200, UserJson(*updated));
}

asio::awaitable<HttpReply> AdminApi::Devices(std::string user_id) {
  auto devices = co_await bus_.Devices(user_id);
  if (!devices) co_return Error(devices.error());
  json::array list;
  for (const Bus::Device& device : *devices) {
    json::object entry{{"session_id", device.session_id}};
    if (!device.gateway_id.empty()) entry["gateway_id"] = device.gateway_id;
    list.push_back(std::move(entry));
  }
  const bool online = !list.empty();
  co_return Json(200, json::object{{"user_id", user_id}, {"online", online}, {"devices", std::move(list)}});
}

asio::awaitable<HttpReply> AdminApi::Conversations(std::string user_id) {
  const Caller user{user_id, 0};
  // The largest page CONVERSATIONS gives, and the groups, with or without messages.
  const json::object first_page{{"limit", 200}};
  const json::object mine{{"op", "mine"}};
  base::Result<std::string> conversations = co_await messages_.Conversations(user, first_page);
  HttpReply reply = FromCommand(conversations);
  if (reply.status != 200) co_return reply;
  base::Result<std::string> groups = co_await groups_.Handle(user, mine);
  HttpReply group_reply = FromCommand(groups);
  if (group_reply.status != 200) co_return group_reply;
  auto merged = protocol::ParseObject(reply.body);
  auto group_list = protocol::ParseObject(group_reply.body);
  if (!merged || !group_list) co_return Error(base::Code::kInternal, "unreadable answer");
  (*merged)["user_id"] = user_id;
  (*merged)["groups"] = (*group_list)["groups"];
  co_return Json(200, *merged);
}

asio::awaitable<HttpReply> AdminApi::MintToken(const json::object& request) {
  auto user_id = protocol::RequiredString(request, "user_id");
  if (!user_id) co_return Error(user_id.error());
  auto ttl = protocol::OptionalInt(request, "ttl_seconds", auth_.token_ttl().count());
  if (!ttl) co_return Error(ttl.error());
  if (*ttl < 1 || *ttl > kMaxTokenTtlSeconds) {
    co_return Error(base::Code::kBadRequest, "ttl_seconds must be 1-2592000 (30 days)");
  }
  std::string id(*user_id);
  auto token = co_await auth_.MintToken(id, std::chrono::seconds(*ttl));
  if (!token) co_return Error(token.error());  // 404: create the user first
  const std::int64_t expires_at = clock_.NowMs() + *ttl * 1000;
  co_return Json(200, json::object{{"user_id", id}, {"token", *token}, {"expires_at", expires_at}});
}

asio::awaitable<HttpReply> AdminApi::CreateGroup(json::object request) {
  // GROUP create as the owner: {"owner", "name", "members", ...} -> the op's answer.
  auto owner = protocol::RequiredString(request, "owner");
  if (!owner) co_return Error(owner.error());
  std::string owner_id(*owner);
  auto found = co_await store_.FindUser(owner_id);
  if (!found) co_return Error(found.error());
  request.erase("owner");
  request["op"] = "create";
  const Caller as_owner{owner_id, 0};  // named: GCC 12 mishandles temporaries in co_await calls
  base::Result<std::string> created = co_await groups_.Handle(as_owner, request);
  co_return FromCommand(created, 201);
}

asio::awaitable<HttpReply> AdminApi::ShowGroup(std::string group_id) {
  auto group = co_await store_.GetGroup(group_id);
  if (!group) co_return Error(group.error());
  // As its owner sees it (the ban list included).
  const json::object members{{"op", "members"}, {"group_id", group_id}};
  const Caller as_owner{group->owner_id, 0};
  base::Result<std::string> shown = co_await groups_.Handle(as_owner, members);
  co_return FromCommand(shown);
}

asio::awaitable<HttpReply> AdminApi::SetMembers(std::string group_id, const json::object& request) {
  auto wanted = UserIds(request, "members");
  if (!wanted) co_return Error(wanted.error());
  auto group = co_await store_.GetGroup(group_id);
  if (!group) co_return Error(group.error());
  const std::string owner = group->owner_id;
  if (!std::binary_search(wanted->begin(), wanted->end(), owner)) {
    co_return Error(base::Code::kBadRequest,
                    "members must include the owner '" + owner + "' (transfer ownership first)");
  }
  std::vector<std::string> added;
  std::vector<std::string> removed;
  const std::vector<std::string>& current = *group->members;  // sorted
  std::set_difference(wanted->begin(), wanted->end(), current.begin(), current.end(),
                      std::back_inserter(added));
  std::set_difference(current.begin(), current.end(), wanted->begin(), wanted->end(),
                      std::back_inserter(removed));
  // The owner invites (lifting a ban) and kicks: two ordinary group changes,
  // each with its system message, so members see who came and went.
  const Caller as_owner{owner, 0};
  if (!added.empty()) {
    const json::object invite{{"op", "invite"}, {"group_id", group_id}, {"members", ToArray(added)}};
    base::Result<std::string> invited = co_await groups_.Handle(as_owner, invite);
    if (!invited) co_return Error(invited.error());
  }
  if (!removed.empty()) {
    const json::object kick{{"op", "kick"}, {"group_id", group_id}, {"members", ToArray(removed)}};
    base::Result<std::string> kicked = co_await groups_.Handle(as_owner, kick);
    if (!kicked) co_return Error(kicked.error());
  }
  co_return Json(200, json::object{{"group_id", group_id},
                                   {"added", ToArray(added)},
                                   {"removed", ToArray(removed)}});
}

asio::awaitable<HttpReply> AdminApi::SetOwner(std::string group_id, const json::object& request) {
  // GROUP transfer as the current owner: the new owner must be a member;
  // the old one becomes an admin.
  auto user_id = protocol::RequiredString(request, "user_id");
  if (!user_id) co_return Error(user_id.error());
  auto group = co_await store_.GetGroup(group_id);
  if (!group) co_return Error(group.error());
  const Caller as_owner{group->owner_id, 0};
  const json::object transfer{{"op", "transfer"}, {"group_id", group_id}, {"to", *user_id}};
  base::Result<std::string> transferred = co_await groups_.Handle(as_owner, transfer);
  if (!transferred) co_return Error(transferred.error());
  co_return Json(200, json::object{{"group_id", group_id},
                                   {"owner_id", *user_id},
                                   {"previous_owner_id", group->owner_id}});
}

asio::awaitable<HttpReply> AdminApi::Send(json::object request) {
  // A CHAT's body plus "from": sent as that user, through the same checks,
  // seq assignment and msg_id idempotency as the user's own CHAT.
  auto from = protocol::RequiredString(request, "from");
  if (!from) co_return Error(from.error());
  std::string sender(*from);
  auto found = co_await store_.FindUser(sender);
  if (!found) co_return Error(found.error());
  if (found->standing == UserStanding::kBanned) co_return Error(base::Code::kForbidden, "user is banned");
  request.erase("from");
  const Caller as_sender{sender, 0};
  base::Result<std::string> sent = co_await messages_.Chat(as_sender, request);
  co_return FromCommand(sent);
}

asio::awaitable<HttpReply> AdminApi::Backup(const json::object& request) {
  if (!backup_) {
    co_return Error(base::Code::kBadRequest,
                    "online backup is for embedded mode; in cluster mode back up MariaDB "
                    "(docs/operations.md \"Backup and restore\")");
  }
  auto dir = protocol::RequiredString(request, "dir");
  if (!dir) co_return Error(dir.error());
  base::Result<json::object> report = co_await backup_(std::string(*dir));
  if (!report) co_return Error(report.error());
  co_return Json(201, *report);
}

}  // namespace parley::core
