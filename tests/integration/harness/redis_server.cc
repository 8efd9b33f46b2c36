#include "integration/harness/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace parley::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);

// True when a RESP PING on 127.0.0.1:port gets +PONG (not -LOADING) from
// the redis-server whose working directory is `dir`: while ours is still
// starting, another test's redis may hold the port it picked (ours then
// fails to bind), and that one must not pass for ours.
bool AnswersAsOurs(std::uint16_t port, const std::string& dir) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const char ping[] = "PING\r\n";
    char reply[16] = {};
    if (::send(fd, ping, sizeof(ping) - 1, MSG_NOSIGNAL) == sizeof(ping) - 1) {
      const ssize_t n = ::recv(fd, reply, sizeof(reply) - 1, 0);
      ok = n >= 5 && std::string(reply, 5) == "+PONG";
    }
    const char config[] = "CONFIG GET dir\r\n";
    char answer[4096] = {};
    if (ok && ::send(fd, config, sizeof(config) - 1, MSG_NOSIGNAL) == sizeof(config) - 1) {
      const ssize_t n = ::recv(fd, answer, sizeof(answer) - 1, 0);
      ok = n > 0 && std::string(answer, static_cast<std::size_t>(n)).find(dir) != std::string::npos;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer() : dir_(MakeTempDir("parley-redis")) {
  // A port picked free may be taken before redis binds it: try others.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = PickFreeLoopbackPort();
    if (TryStart()) return;
  }
  const std::string log = Log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("redis-server did not start; its log:\n" + log);
}

RedisServer::~RedisServer() {
  process_.Kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool RedisServer::TryStart() {
  const std::string binary = FindBinary("redis-server", "/usr/bin/redis-server");
  process_.Start({binary, "--port", std::to_string(port_), "--bind", host_, "--dir", dir_.string(),
                  "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode",
                  "no", "--loglevel", "warning",
                  // Tests use DEBUG SLEEP to make a slow server.
                  "--enable-debug-command", "local"},
                 dir_ / "redis.log");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.Running()) return false;
    if (AnswersAsOurs(port_, dir_.string())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_.Kill9();
  return false;
}

void RedisServer::Stop() { process_.Terminate(std::chrono::seconds(10)); }

void RedisServer::Kill9() { process_.Kill9(); }

void RedisServer::Restart() {
  process_.Kill9();
  // Same port on purpose; retry briefly in case the old socket lingers.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (TryStart()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("redis-server did not restart; its log:\n" + Log());
}

std::string RedisServer::Log() const { return ReadTextFile(dir_ / "redis.log"); }

}  // namespace parley::testing
