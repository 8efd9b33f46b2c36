#include "integration/harness/http_post.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace parley::testing {
namespace {

HttpResult Exchange(std::uint16_t port, const std::string& request) {
  HttpResult result;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return result;
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return result;
  result.status = std::stoi(response.substr(9, 3));
  if (auto pos = response.find("\r\n\r\n"); pos != std::string::npos) {
    result.body = response.substr(pos + 4);
  }
  return result;
}

}  // namespace

HttpResult HttpPost(std::uint16_t port, const std::string& path, const std::string& body) {
  return Exchange(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nConnection: close\r\n"
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

HttpResult HttpGet(std::uint16_t port, const std::string& path) {
  return Exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

std::string RegisterUser(std::uint16_t ws_port, const std::string& user_id,
                         const std::string& password) {
  namespace json = boost::json;
  HttpResult r = HttpPost(ws_port, "/api/register",
                          json::serialize(json::object{{"user_id", user_id}, {"password", password}}));
  if (r.status != 200) return "";
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("token")) return "";
  return std::string(v.at("token").as_string());
}

}  // namespace parley::testing
