#pragma once
// The JSON HTTP API of docs/protocol.md "HTTP": POST /api/register, POST /api/login.
// net/ parses HTTP and calls these with the request body.

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace parley::core {

class AuthService;

struct HttpReply {
  int status = 200;
  std::string body;  // JSON: {"user_id","token"} or {"error": ...}
};

// 200 {"user_id","token"}; 400 malformed body or invalid id; 409 id taken.
boost::asio::awaitable<HttpReply> HandleRegister(AuthService& auth, std::string body);
// 200 {"user_id","token"}; 400 malformed body; 401 wrong user or password.
boost::asio::awaitable<HttpReply> HandleLogin(AuthService& auth, std::string body);

}  // namespace parley::core
