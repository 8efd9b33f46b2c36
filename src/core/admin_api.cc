#include "core/admin_api.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/auth_service.h"
#include "protocol/packet.h"

namespace parley::core {
namespace json = boost::json;
namespace {

// A minted token lives at most this long; a backend mints again.
constexpr std::int64_t kMaxTokenTtlSeconds = 30LL * 24 * 3600;

HttpReply Error(base::Code code, std::string message) {
  return HttpReply{static_cast<int>(code),
                   json::serialize(json::object{{"code", static_cast<int>(code)},
                                                {"error", std::move(message)}})};
}

HttpReply Error(const base::Error& error) { return Error(error.code, error.message); }

asio::awaitable<HttpReply> CreateUser(AuthService& auth, const json::object& request) {
  auto user_id = protocol::RequiredString(request, "user_id");
  if (!user_id) co_return Error(user_id.error());
  auto password = protocol::OptionalString(request, "password");
  if (!password) co_return Error(password.error());
  std::string id(*user_id);
  std::optional<std::string> secret;
  if (*password) secret = std::string(**password);
  auto created = co_await auth.CreateUser(id, std::move(secret));
  if (!created) co_return Error(created.error());
  co_return HttpReply{201, json::serialize(json::object{{"user_id", id}})};
}

asio::awaitable<HttpReply> MintToken(AuthService& auth, const json::object& request) {
  auto user_id = protocol::RequiredString(request, "user_id");
  if (!user_id) co_return Error(user_id.error());
  auto ttl = protocol::OptionalInt(request, "ttl_seconds", auth.token_ttl().count());
  if (!ttl) co_return Error(ttl.error());
  if (*ttl < 1 || *ttl > kMaxTokenTtlSeconds) {
    co_return Error(base::Code::kBadRequest, "ttl_seconds must be 1-2592000 (30 days)");
  }
  std::string id(*user_id);
  auto token = co_await auth.MintToken(id, std::chrono::seconds(*ttl));
  if (!token) co_return Error(token.error());  // 404: create the user first
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  co_return HttpReply{200, json::serialize(json::object{
                               {"user_id", id}, {"token", *token}, {"expires_at", now_ms + *ttl * 1000}})};
}

}  // namespace

asio::awaitable<HttpReply> HandleAdmin(AuthService& auth, std::string_view method,
                                       std::string_view path, std::string_view authorization,
                                       std::string body) {
  if (!auth.api_enabled()) co_return Error(base::Code::kNotFound, "the server API is off (--api-key)");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer) || !auth.IsApiKey(authorization.substr(kBearer.size()))) {
    co_return Error(base::Code::kUnauthenticated, "missing or wrong API key");
  }
  const bool users = path == "/api/admin/users";
  const bool tokens = path == "/api/admin/tokens";
  if (!users && !tokens) co_return Error(base::Code::kNotFound, "no such server API endpoint");
  if (method != "POST") {
    co_return HttpReply{405, json::serialize(json::object{{"code", 405}, {"error", "use POST"}})};
  }
  auto request = protocol::ParseObject(body);
  if (!request) co_return Error(request.error());
  if (users) co_return co_await CreateUser(auth, *request);
  co_return co_await MintToken(auth, *request);
}

}  // namespace parley::core
