// What keeps idle peers from using up parleyd's descriptors
// (docs/protocol.md "Delivery"): a connection must authenticate within
// --auth-timeout of opening, on TCP and on WebSocket; HEARTBEATs before that
// do not buy time, an authenticated connection is not affected, and 2,000
// silent connections all go. One address may hold at most
// --max-connections-per-ip connections while others are unaffected. And
// parleyd raises its soft open-file limit to the hard one.
// Embedded store only: this lives in the net and app layers, which both
// backends share.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

class AuthDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {"--auth-timeout", "1s"});
    ASSERT_TRUE(server_);
    token_ = RegisterUser(server_->ws_port(), "alice");
    ASSERT_FALSE(token_.empty());
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string token_;
};

// Well past the 1 s deadline (and the sweeper's period) while sending
// HEARTBEATs: the first answer that is not a heartbeat's ends the loop.
constexpr int kBeats = 40;
constexpr auto kBeatGap = 100ms;

TEST_F(AuthDeadlineTest, TcpThatNeverLogsInGets401AndIsClosedDespiteHeartbeats) {
  RawTcpClient c(server_->tcp_port());
  ASSERT_TRUE(c.connected());
  std::optional<boost::json::object> answer;
  int beats_answered = 0;
  for (int i = 0; i < kBeats; ++i) {
    if (!c.SendFrame(0, "{}")) break;
    answer = c.Read();
    if (!answer || answer->at("code").as_int64() != 0) break;
    ++beats_answered;
    std::this_thread::sleep_for(kBeatGap);
  }
  EXPECT_GT(beats_answered, 0);  // heartbeats are answered until the deadline
  ASSERT_TRUE(answer) << server_->Log();
  EXPECT_EQ(answer->at("cmd").as_int64(), 0);
  EXPECT_EQ(answer->at("code").as_int64(), 401);
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(AuthDeadlineTest, WebSocketThatNeverLogsInGetsClose1008DespiteHeartbeats) {
  RawWsClient c(server_->ws_port(), "/ws");
  ASSERT_TRUE(c.upgraded()) << c.response_head();
  RawWsClient::ServerFrame frame;
  for (int i = 0; i < kBeats; ++i) {
    if (!c.Send(0x1, R"({"cmd":0})")) break;
    frame = c.Read();
    if (frame.opcode != 0x1) break;
    std::this_thread::sleep_for(kBeatGap);
  }
  ASSERT_EQ(frame.opcode, 0x8) << server_->Log();
  EXPECT_EQ(frame.close_code(), 1008);
  EXPECT_EQ(frame.payload.substr(2), "authentication timeout");
  EXPECT_TRUE(c.Send(0x8, frame.payload.substr(0, 2)));
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(AuthDeadlineTest, AuthenticatedConnectionsAreNotClosedByTheDeadline) {
  RawTcpClient by_login(server_->tcp_port());
  ASSERT_TRUE(by_login.Login(token_));
  RawWsClient by_upgrade(server_->ws_port(), "/ws?token=" + token_);
  ASSERT_TRUE(by_upgrade.upgraded()) << by_upgrade.response_head();
  RawWsClient by_ws_login(server_->ws_port(), "/ws");
  ASSERT_TRUE(by_ws_login.upgraded());
  ASSERT_TRUE(by_ws_login.Send(0x1, R"({"cmd":1,"token":")" + token_ + "\"}"));
  const auto login = by_ws_login.Read();
  ASSERT_EQ(login.opcode, 0x1);
  ASSERT_NE(login.payload.find("\"code\":0"), std::string::npos) << login.payload;

  // Three deadlines later, each still answers.
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(kBeatGap);
    auto beat = by_login.Call(0, {});
    ASSERT_TRUE(beat) << i;
    EXPECT_EQ(beat->at("code").as_int64(), 0);
    for (RawWsClient* ws : {&by_upgrade, &by_ws_login}) {
      ASSERT_TRUE(ws->Send(0x1, R"({"cmd":0})")) << i;
      const auto reply = ws->Read();
      ASSERT_EQ(reply.opcode, 0x1) << i << ": " << reply.payload;
      EXPECT_NE(reply.payload.find("\"code\":0"), std::string::npos) << reply.payload;
    }
  }
}

// "Max open files  SOFT  HARD  files" of /proc/PID/limits.
std::pair<std::string, std::string> OpenFileLimits(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  const std::regex line_re(R"(Max open files\s+(\S+)\s+(\S+))");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, line_re)) return {m[1], m[2]};
  }
  return {};
}

// parleyd inherits a soft limit of 1,024 (the usual default) below its hard
// limit, and raises it.
// A blocking socket to 127.0.0.1:`port` from `source` (another loopback
// address plays another client); -1 on failure.
int ConnectFrom(std::uint16_t port, const char* source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// What the server answers a GET /healthz on `fd` (up to its close or 3 s).
std::string Healthz(int fd) {
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 3000) > 0) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  return answer;
}

// True when the server closed `fd` within `timeout`.
bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return true;
  }
  return false;
}

TEST(ConnectionsPerAddressTest, OneAddressHoldsAtMostTheLimitOthersAreUnaffected) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data", {"--max-connections-per-ip", "3"});
  ASSERT_TRUE(server);
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(ConnectFrom(server->ws_port(), "127.0.0.1"));
  std::this_thread::sleep_for(300ms);  // accepted and registered
  const int fourth = ConnectFrom(server->ws_port(), "127.0.0.1");
  EXPECT_FALSE(Healthz(fourth).starts_with("HTTP/1.1 200")) << "the fourth is refused";
  ::close(fourth);
  const int other = ConnectFrom(server->ws_port(), "127.0.0.2");
  EXPECT_TRUE(Healthz(other).starts_with("HTTP/1.1 200")) << "another address is not";
  ::close(other);
  ::close(idle.back());
  idle.pop_back();
  std::this_thread::sleep_for(300ms);
  const int again = ConnectFrom(server->ws_port(), "127.0.0.1");
  EXPECT_TRUE(Healthz(again).starts_with("HTTP/1.1 200")) << "a freed slot is usable";
  ::close(again);
  for (int fd : idle) ::close(fd);
  const std::string metrics = HttpGet(server->ws_port(), "/metrics").body;
  EXPECT_NE(metrics.find("parley_rate_limited_total{limit=\"connections\"} 1"),
            std::string::npos)
      << metrics;
}

TEST(AuthDeadlineFloodTest, TwoThousandSilentConnectionsAreAllClosed) {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max < 2300) GTEST_SKIP() << "hard open-file limit " << files.rlim_max;
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data", {"--auth-timeout", "1s"});
  ASSERT_TRUE(server);
  std::vector<int> silent;
  for (int i = 0; i < 2000; ++i) {
    const int fd = ConnectFrom(server->tcp_port(), "127.0.0.1");
    ASSERT_GE(fd, 0) << i;
    silent.push_back(fd);
  }
  std::size_t closed = 0;
  for (int fd : silent) closed += ClosedWithin(fd, closed == 0 ? 5000ms : 500ms) ? 1 : 0;
  for (int fd : silent) ::close(fd);
  EXPECT_EQ(closed, silent.size());
  // And the server still serves.
  const int fd = ConnectFrom(server->ws_port(), "127.0.0.1");
  EXPECT_TRUE(Healthz(fd).starts_with("HTTP/1.1 200"));
  ::close(fd);
}

TEST(OpenFileLimitTest, ParleydRaisesItsSoftLimitToTheHardOne) {
  rlimit ours{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &ours), 0);
  if (ours.rlim_max <= 1024) GTEST_SKIP() << "hard limit " << ours.rlim_max << ": nothing to raise";
  rlimit lowered = ours;
  lowered.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data");
  ::setrlimit(RLIMIT_NOFILE, &ours);
  ASSERT_TRUE(server);

  const auto [soft, hard] = OpenFileLimits(server->pid());
  ASSERT_FALSE(soft.empty());
  EXPECT_EQ(soft, hard);
  EXPECT_NE(server->Log().find("open-file limit " + soft + " (was 1024"), std::string::npos)
      << server->Log();
}

}  // namespace
}  // namespace parley::testing
