#include "core/http_api.h"

#include <boost/json/serialize.hpp>

#include "core/auth_service.h"
#include "protocol/packet.h"

namespace parley::core {
namespace json = boost::json;

namespace {

HttpReply ErrorReply(const base::Error& error) {
  return HttpReply{static_cast<int>(error.code), json::serialize(json::object{
                                                     {"code", static_cast<int>(error.code)},
                                                     {"error", error.message}})};
}

struct Credentials {
  std::string user_id;
  std::string password;
};

base::Result<Credentials> ParseCredentials(const std::string& body) {
  PARLEY_ASSIGN_OR_RETURN(json::object object, protocol::ParseObject(body));
  PARLEY_ASSIGN_OR_RETURN(auto user_id, protocol::RequiredString(object, "user_id"));
  PARLEY_ASSIGN_OR_RETURN(auto password, protocol::RequiredString(object, "password"));
  return Credentials{std::string(user_id), std::string(password)};
}

template <class Action>
asio::awaitable<HttpReply> WithCredentials(const std::string& body, Action action) {
  auto credentials = ParseCredentials(body);
  if (!credentials) co_return ErrorReply(credentials.error());
  base::Result<std::string> token = co_await action(*credentials);
  if (!token) co_return ErrorReply(token.error());
  co_return HttpReply{200, json::serialize(json::object{{"user_id", credentials->user_id},
                                                        {"token", *token}})};
}

}  // namespace

asio::awaitable<HttpReply> HandleRegister(AuthService& auth, std::string body) {
  co_return co_await WithCredentials(body, [&auth](const Credentials& c) {
    return auth.Register(c.user_id, c.password);
  });
}

asio::awaitable<HttpReply> HandleLogin(AuthService& auth, std::string body) {
  co_return co_await WithCredentials(body, [&auth](const Credentials& c) {
    return auth.Login(c.user_id, c.password);
  });
}

}  // namespace parley::core
