#include "integration/harness/raw_tcp_client.h"

#include <arpa/inet.h>
#include <jwt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "integration/harness/server_process.h"

namespace parley::testing {
namespace json = boost::json;

RawTcpClient::RawTcpClient(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawTcpClient::~RawTcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawTcpClient::SendBytes(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawTcpClient::SendFrame(std::uint16_t cmd, std::string_view body) {
  return SendBytes(protocol::EncodeFrame(cmd, body));
}

std::optional<json::object> RawTcpClient::Read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto next = decoder_.Next();
    if (!next) return std::nullopt;
    if (*next) {
      boost::system::error_code ec;
      json::value v = json::parse((*next)->body, ec);
      if (ec || !v.is_object()) return std::nullopt;
      return v.as_object();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    auto space = decoder_.WritableSpace(64 * 1024);
    const ssize_t n = ::recv(fd_, space.data(), space.size(), 0);
    if (n <= 0) return std::nullopt;
    decoder_.Commit(static_cast<std::size_t>(n));
  }
}

std::optional<json::object> RawTcpClient::Call(std::uint16_t cmd, const json::object& body,
                                               std::chrono::milliseconds timeout) {
  if (!SendFrame(cmd, json::serialize(body))) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto packet = Read(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!packet) return std::nullopt;
    if (packet->at("cmd").as_int64() == cmd) return packet;
  }
  return std::nullopt;
}

bool RawTcpClient::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

bool RawTcpClient::Login(const std::string& token) {
  auto reply = Call(1, {{"token", token}});
  return reply && reply->at("code").as_int64() == 0;
}

std::string TestToken(const std::string& user_id, std::int64_t ttl_seconds) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const long now = static_cast<long>(std::time(nullptr));
  jwt_add_grant(jwt, "sub", user_id.c_str());
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + static_cast<long>(ttl_seconds));
  const std::string secret = ServerProcess::kJwtSecret;
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

}  // namespace parley::testing
