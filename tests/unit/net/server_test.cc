// net::Server over a real core (in-memory store, LocalBus) on 127.0.0.1:0,
// driven by raw-byte clients. The full system is covered by the integration
// tests; these check the gateway's own behaviour.

#include "net/server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "unit/core/core_fixture.h"
#include "unit/net/test_peer.h"

namespace parley::net {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::TestPeer;

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(NetOptions options = {}) {
    options.tcp_listen = "127.0.0.1:0";
    options.ws_listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(std::vector{&core_.io_}, core_.dispatcher_, core_.auth_,
                                       core_.metrics_, [this] { return healthy_.load(); },
                                       std::move(options));
    bound_ = server_->Start();
    core_.io_.restart();  // the fixture's Run may have left it stopped
    work_.emplace(core_.io_.get_executor());
    thread_ = std::thread([this] { core_.io_.run(); });
  }

  void TearDown() override {
    if (!server_) return;
    server_->StopAccepting();
    server_->CloseAll();
    EXPECT_TRUE(server_->WaitIdle(5s));
    work_.reset();
    core_.io_.stop();
    thread_.join();
  }

  std::string Token(const std::string& user_id) { return core_.auth_.IssueToken(user_id); }

  std::string Http(const std::string& request_line, const std::string& body = {}) {
    TestPeer peer(bound_.ws);
    std::string request = request_line + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
    if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return peer.Http(request + "\r\n" + body);
  }

  static std::string Upgrade(const std::string& target, const std::string& extra_headers = {}) {
    return "GET " + target +
           " HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
           extra_headers + "\r\n";
  }

  // Reads the HTTP answer to an upgrade: its head only.
  static std::string ReadHead(TestPeer& peer) {
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      std::string byte = peer.ReadExactly(1);
      if (byte.empty()) break;
      head += byte;
    }
    return head;
  }

  core::testing::CoreFixture core_;
  std::atomic<bool> healthy_{true};
  std::unique_ptr<Server> server_;
  BoundEndpoints bound_;
  // Only while the server runs: the fixture's Run needs io_.run() to return.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

TEST_F(ServerTest, TcpLoginChatAndPush) {
  core_.Register("alice");
  core_.Register("bob");
  StartServer();

  TestPeer alice(bound_.tcp);
  alice.SendFrame(1, R"({"user_id":"alice","password":"pw-alice"})");
  auto login = alice.ReadFrame();
  ASSERT_TRUE(login);
  EXPECT_EQ(login->cmd, 1);
  EXPECT_EQ(Parse(login->body).at("code").as_int64(), 0);

  TestPeer bob(bound_.tcp);
  bob.SendFrame(1, json::serialize(json::object{{"token", Token("bob")}}));
  ASSERT_TRUE(bob.ReadFrame());

  alice.SendFrame(2, R"({"msg_id":"m1","to":"bob","payload":{"content":"Hello, Bob!","msg_type":1}})");
  auto ack = alice.ReadFrame();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->cmd, 2);
  EXPECT_EQ(Parse(ack->body).at("seq").as_int64(), 1);

  auto push = bob.ReadFrame();
  ASSERT_TRUE(push);
  EXPECT_EQ(push->cmd, 5);
  EXPECT_EQ(Parse(push->body).at("payload").at("content").as_string(), "Hello, Bob!");
}

TEST_F(ServerTest, TcpRequestsBeforeLoginAreRefusedButTheConnectionGoesOn) {
  StartServer();
  TestPeer peer(bound_.tcp);
  peer.SendFrame(3, R"({"conversation_id":"private_a:b"})");
  auto refused = peer.ReadFrame();
  ASSERT_TRUE(refused);
  EXPECT_EQ(Parse(refused->body).at("code").as_int64(), 401);
  peer.SendFrame(0, "{}");
  auto heartbeat = peer.ReadFrame();
  ASSERT_TRUE(heartbeat);
  EXPECT_EQ(Parse(heartbeat->body).at("code").as_int64(), 0);
}

TEST_F(ServerTest, TcpFramingErrorGetsAnErrorPacketThenClose) {
  StartServer();
  TestPeer peer(bound_.tcp);
  peer.Write(std::string("\0\0\0\2\0\1\0\0", 8));  // Length 2 < 4
  auto error = peer.ReadFrame();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cmd, 0);
  EXPECT_EQ(Parse(error->body).at("code").as_int64(), 400);
  EXPECT_TRUE(peer.AtEof());
  EXPECT_EQ(core_.metrics_.protocol_errors_total.load(), 1u);
}

TEST_F(ServerTest, CloseAllLetsTheRequestInProgressAnswerFirst) {
  core_.Register("alice");
  StartServer();
  TestPeer alice(bound_.tcp);
  // Password hashing takes tens of ms: the close arrives while it runs, once
  // the dispatcher has counted the request (it does so as it starts it).
  alice.SendFrame(1, R"({"user_id":"alice","password":"pw-alice"})");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (core_.metrics_.requests_total.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(core_.metrics_.requests_total.load(), 1u);
  server_->CloseAll();
  auto login = alice.ReadFrame();
  ASSERT_TRUE(login);
  EXPECT_EQ(Parse(login->body).at("code").as_int64(), 0);
  EXPECT_TRUE(alice.AtEof());
  alice.Close();
  EXPECT_TRUE(server_->WaitIdle(5s));
  EXPECT_EQ(core_.bus_.LocalSessionCount(), 0u);  // OnDisconnect ran
}

// A consumer that reads nothing overflows its queue and is closed once; every
// push handed to it is counted either sent or dropped.
TEST_F(ServerTest, SlowConsumerIsClosedAndEveryPushIsSentOrDropped) {
  NetOptions options;
  options.outbound_queue_packets = 4;
  StartServer(options);
  TestPeer peer(bound_.tcp);
  peer.SendFrame(1, R"({"token":")" + Token("alice") + R"("})");
  auto login = peer.ReadFrame();
  ASSERT_TRUE(login);
  ASSERT_EQ(Parse(login->body).at("code").as_int64(), 0);

  const std::string alice = "alice";
  const core::OutboundPacket push{5, std::make_shared<const std::string>(64 * 1024, 'x')};
  base::Metrics& m = core_.metrics_;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (m.slow_consumer_disconnects_total.load() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    core_.bus_.Publish(std::span(&alice, 1), push, 0);
  }
  ASSERT_EQ(m.slow_consumer_disconnects_total.load(), 1u);
  while (!peer.AtEof()) {
  }  // what was written before the close, then EOF (or a reset)
  EXPECT_TRUE(server_->WaitIdle(5s));

  const auto dropped = [&](base::PushDrop reason) {
    return m.pushes_dropped_total[base::Metrics::Index(reason)].load();
  };
  EXPECT_GE(dropped(base::PushDrop::kSlowConsumer), 1u);
  EXPECT_EQ(m.deliveries_total.load(), m.pushes_sent_total.load() +
                                           dropped(base::PushDrop::kSlowConsumer) +
                                           dropped(base::PushDrop::kClosed));
  EXPECT_LE(m.pushes_sent_total.load(), m.pushes_queued_total.load());
  EXPECT_EQ(m.connections_open[base::Metrics::Index(base::Transport::kTcp)].load(), 0);
  EXPECT_EQ(m.connections_total[base::Metrics::Index(base::Transport::kTcp)].load(), 1u);
}

TEST_F(ServerTest, IdleConnectionIsClosed) {
  NetOptions options;
  options.idle_timeout = 1s;
  StartServer(options);
  TestPeer peer(bound_.tcp);
  peer.SendFrame(0, "{}");
  ASSERT_TRUE(peer.ReadFrame());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(peer.AtEof());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(core_.metrics_.idle_disconnects_total.load(), 1u);
}

TEST_F(ServerTest, IdleWebSocketGetsAGoingAwayClose) {
  core_.Register("alice");
  NetOptions options;
  options.idle_timeout = 1s;
  StartServer(options);
  TestPeer peer(bound_.ws);
  peer.Write(Upgrade("/ws?token=" + Token("alice")));
  ASSERT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 101"));
  const auto start = std::chrono::steady_clock::now();
  auto close = peer.ReadWs();
  ASSERT_EQ(close.opcode, 8);
  EXPECT_EQ(close.payload.substr(2), "idle timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  peer.SendWs(close.payload.substr(0, 2), 0x8);
  EXPECT_TRUE(peer.AtEof());
  EXPECT_EQ(core_.metrics_.idle_disconnects_total.load(), 1u);
}

TEST_F(ServerTest, HttpRoutes) {
  StartServer();
  EXPECT_TRUE(Http("GET /healthz").starts_with("HTTP/1.1 200"));
  healthy_ = false;
  EXPECT_TRUE(Http("GET /healthz").starts_with("HTTP/1.1 503"));

  const std::string metrics = Http("GET /metrics");
  EXPECT_TRUE(metrics.starts_with("HTTP/1.1 200"));
  EXPECT_NE(metrics.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("parley_connections_total"), std::string::npos);

  EXPECT_NE(Http("GET /").find("Parley is running"), std::string::npos);
  EXPECT_TRUE(Http("GET /nope").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(Http("GET /../etc/passwd").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(Http("POST /metrics", "x").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(Http("GET /api/login").starts_with("HTTP/1.1 405"));

  const std::string registered =
      Http("POST /api/register", R"({"user_id":"carol","password":"secret"})");
  ASSERT_TRUE(registered.starts_with("HTTP/1.1 200")) << registered;
  EXPECT_NE(registered.find("application/json"), std::string::npos);
  EXPECT_NE(registered.find("\"token\""), std::string::npos);
  EXPECT_TRUE(Http("POST /api/login", R"({"user_id":"carol","password":"wrong"})")
                  .starts_with("HTTP/1.1 401"));
}

TEST_F(ServerTest, WebSocketWithTokenThenGoingAwayOnCloseAll) {
  core_.Register("alice");
  StartServer();
  TestPeer peer(bound_.ws);
  peer.Write(Upgrade("/ws?token=" + Token("alice")));
  ASSERT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 101"));

  peer.SendWs(R"({"cmd":0,"req_id":"r1"})");
  auto reply = peer.ReadWs();
  EXPECT_EQ(reply.opcode, 1);
  EXPECT_EQ(Parse(reply.payload).at("req_id").as_string(), "r1");

  peer.SendWs("\x01\x02", 0x2);  // binary: an error packet, the connection goes on
  auto binary = peer.ReadWs();
  EXPECT_EQ(Parse(binary.payload).at("code").as_int64(), 400);

  server_->CloseAll();
  auto close = peer.ReadWs();
  ASSERT_EQ(close.opcode, 8);
  EXPECT_EQ(CloseCodeOf(close), 1001);
  EXPECT_EQ(close.payload.substr(2), "server shutting down");
  peer.SendWs(close.payload.substr(0, 2), 0x8);
  EXPECT_TRUE(peer.AtEof());
  peer.Close();  // the server waits for our FIN before it closes the socket
  EXPECT_TRUE(server_->WaitIdle(5s));
}

TEST_F(ServerTest, WebSocketUpgradeRefusals) {
  NetOptions options;
  options.allowed_origins = {"https://chat.example"};
  StartServer(options);
  {
    TestPeer peer(bound_.ws);
    peer.Write(Upgrade("/ws?token=forged"));
    EXPECT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 401"));
  }
  {
    TestPeer peer(bound_.ws);
    peer.Write(Upgrade("/ws", "Origin: https://evil.example\r\n"));
    EXPECT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 403"));
  }
  {
    TestPeer peer(bound_.ws);
    peer.Write(Upgrade("/ws", "Origin: https://chat.example\r\n"));
    EXPECT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 101"));
  }
}

// HEARTBEATs until the server answers something else (or stops answering):
// before login they must not keep a connection open.
std::optional<protocol::Frame> HeartbeatUntilRefused(TestPeer& peer) {
  for (int i = 0; i < 100; ++i) {
    peer.SendFrame(0, "{}");
    auto frame = peer.ReadFrame();
    if (!frame || Parse(frame->body).at("code").as_int64() != 0) return frame;
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

TEST_F(ServerTest, TcpConnectionThatNeverLogsInIsClosedAtTheAuthDeadline) {
  NetOptions options;
  options.auth_timeout = 1s;
  StartServer(options);
  TestPeer peer(bound_.tcp);
  auto refused = HeartbeatUntilRefused(peer);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->cmd, 0);
  EXPECT_EQ(Parse(refused->body).at("code").as_int64(), 401);
  EXPECT_EQ(Parse(refused->body).at("error").as_string(), "authentication timeout");
  EXPECT_TRUE(peer.AtEof());
}

TEST_F(ServerTest, AuthenticatedConnectionsOutliveTheAuthDeadline) {
  core_.Register("alice");
  NetOptions options;
  options.auth_timeout = 300ms;
  StartServer(options);
  TestPeer tcp(bound_.tcp);
  tcp.SendFrame(1, json::serialize(json::object{{"token", Token("alice")}}));
  ASSERT_TRUE(tcp.ReadFrame());
  TestPeer ws(bound_.ws);
  ws.Write(Upgrade("/ws?token=" + Token("alice")));
  ASSERT_TRUE(ReadHead(ws).starts_with("HTTP/1.1 101"));
  // Several deadlines (and sweeps) later both still answer.
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(100ms);
    tcp.SendFrame(0, "{}");
    auto beat = tcp.ReadFrame();
    ASSERT_TRUE(beat) << i;
    EXPECT_EQ(Parse(beat->body).at("code").as_int64(), 0);
    ws.SendWs(R"({"cmd":0})");
    auto reply = ws.ReadWs();
    ASSERT_EQ(reply.opcode, 1) << i;
    EXPECT_EQ(Parse(reply.payload).at("code").as_int64(), 0);
  }
}

TEST_F(ServerTest, WebSocketThatNeverLogsInGetsAPolicyViolationClose) {
  NetOptions options;
  options.auth_timeout = 1s;
  StartServer(options);
  TestPeer peer(bound_.ws);
  peer.Write(Upgrade("/ws"));
  ASSERT_TRUE(ReadHead(peer).starts_with("HTTP/1.1 101"));
  TestPeer::WsFrame close;
  for (int i = 0; i < 100; ++i) {
    peer.SendWs(R"({"cmd":0})");
    close = peer.ReadWs();
    if (close.opcode != 1) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(close.opcode, 8);
  EXPECT_EQ(CloseCodeOf(close), 1008);
  EXPECT_EQ(close.payload.substr(2), "authentication timeout");
  peer.SendWs(close.payload.substr(0, 2), 0x8);
  EXPECT_TRUE(peer.AtEof());
}

TEST_F(ServerTest, WebSocketVersionOtherThan13Gets426) {
  StartServer();
  TestPeer peer(bound_.ws);
  std::string request = Upgrade("/ws");
  request.replace(request.find("Version: 13"), 11, "Version: 8");
  peer.Write(request);
  const std::string head = ReadHead(peer);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 426")) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos) << head;
}

// Until `server` has at most `n` connections open (it notices a peer's close
// on its own time); false after 5 s.
bool WaitOpenAtMost(Server& server, std::size_t n) {
  for (int i = 0; i < 500 && server.open_connections() > n; ++i) std::this_thread::sleep_for(10ms);
  return server.open_connections() <= n;
}

void ExpectRefusedWith503(TestPeer& peer) {
  auto refusal = peer.ReadFrame();
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->cmd, 0);
  EXPECT_EQ(Parse(refusal->body).at("code").as_int64(), 503);
  EXPECT_TRUE(peer.AtEof());
}

void ExpectServed(TestPeer& peer) {
  peer.SendFrame(0, "{}");
  auto beat = peer.ReadFrame();
  ASSERT_TRUE(beat);
  EXPECT_EQ(Parse(beat->body).at("code").as_int64(), 0);
}

TEST_F(ServerTest, AtMaxConnectionsNewOnesAreRefusedUntilOneCloses) {
  NetOptions options;
  options.max_connections = 2;
  StartServer(options);
  auto first = std::make_unique<TestPeer>(bound_.tcp);
  ExpectServed(*first);
  TestPeer second(bound_.tcp);
  ExpectServed(second);

  TestPeer refused(bound_.tcp);
  ExpectRefusedWith503(refused);
  EXPECT_TRUE(Http("GET /healthz").starts_with("HTTP/1.1 503")) << "the HTTP port refuses too";
  ExpectServed(second);  // those already in are unaffected

  first.reset();
  ASSERT_TRUE(WaitOpenAtMost(*server_, 1));
  TestPeer later(bound_.tcp);
  ExpectServed(later);
}

// The test process shares its descriptor table with the server, so the
// client sockets are made before the limit drops, and the limit is lowered
// to leave exactly two free descriptors for the server's accepts.
TEST_F(ServerTest, OutOfDescriptorsRefusesPendingConnectionsAndResumes) {
  StartServer();
  {
    // Whatever the server's first connection opens lazily (the log's time
    // zone file, ...) is opened now, not while the descriptors are counted.
    TestPeer warm_up(bound_.tcp);
    ExpectServed(warm_up);
  }
  ASSERT_TRUE(WaitOpenAtMost(*server_, 0));
  std::vector<int> clients;
  for (int i = 0; i < 6; ++i) clients.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = static_cast<rlim_t>(highest) + 16;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  std::vector<int> fillers;  // every free slot, then two given back
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  ASSERT_GE(fillers.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    ::close(fillers.back());
    fillers.pop_back();
  }
  struct Restore {
    std::vector<int>& fds;
    rlimit limit;
    ~Restore() {
      for (int fd : fds) ::close(fd);
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
  } restore{fillers, saved};

  // Raw descriptors, as a TestPeer would need descriptors of its own.
  auto connect = [&](int fd) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(bound_.tcp.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
  };
  auto read_frame = [](int fd) -> std::optional<protocol::Frame> {
    protocol::FrameDecoder decoder(1 << 16);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    for (;;) {
      auto frame = decoder.Next();
      if (!frame || *frame) return frame ? std::optional(std::move(**frame)) : std::nullopt;
      char buffer[4096];
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return std::nullopt;
      decoder.Feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  };
  auto served = [&](int fd) {
    const std::string beat = protocol::EncodeFrame(0, "{}");
    if (::send(fd, beat.data(), beat.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(beat.size())) {
      return false;
    }
    auto reply = read_frame(fd);
    return reply && Parse(reply->body).at("code").as_int64() == 0;
  };
  auto at_eof = [](int fd) {
    char byte;
    return ::recv(fd, &byte, 1, 0) == 0;
  };

  EXPECT_TRUE(served(connect(clients[0])));
  EXPECT_TRUE(served(connect(clients[1])));
  for (int i = 2; i < 5; ++i) {
    auto refusal = read_frame(connect(clients[i]));
    ASSERT_TRUE(refusal) << i;
    EXPECT_EQ(Parse(refusal->body).at("code").as_int64(), 503) << i;
    EXPECT_TRUE(at_eof(clients[i])) << i;
  }
  EXPECT_TRUE(served(clients[1]));

  ::close(clients[0]);  // its server side closes and frees a descriptor
  ASSERT_TRUE(WaitOpenAtMost(*server_, 1));
  EXPECT_TRUE(served(connect(clients[5])));
  for (int i = 1; i < 6; ++i) ::close(clients[i]);
}

}  // namespace
}  // namespace parley::net
