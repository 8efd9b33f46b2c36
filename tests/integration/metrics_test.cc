// GET /metrics after known traffic, on both backends: every figure that the
// traffic fixes is checked exactly (docs/operations.md: "A metric is a
// promise"). Traffic: alice (TCP) sends 5 CHATs to bob (online, WebSocket)
// and 2 to carol (offline); two logins fail on a token, two on a password.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// "name{labels}" → value, for every sample line of a scrape.
using Scrape = std::map<std::string, double>;

Scrape Parse(const std::string& text) {
  Scrape samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data");
    ASSERT_TRUE(server_);
    for (const char* user : {"alice", "bob", "carol"}) {
      tokens_[user] = RegisterUser(server_->ws_port(), user);
      ASSERT_FALSE(tokens_[user].empty()) << server_->Log();
    }
  }

  Scrape ScrapeNow() { return ScrapeNow(*server_); }
  Scrape ScrapeNow(const ServerProcess& server) {
    const HttpResult answer = HttpGet(server.ws_port(), "/metrics");
    EXPECT_EQ(answer.status, 200);
    last_text_ = answer.body;
    return Parse(answer.body);
  }

  // Scrapes until `done` holds (counters of asynchronous work: writes,
  // closes, cross-gateway routing) or 10 s passed; returns the last scrape.
  template <class Done>
  Scrape ScrapeUntil(Done done) {
    return ScrapeUntil(*server_, done);
  }
  template <class Done>
  Scrape ScrapeUntil(const ServerProcess& server, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Scrape scrape = ScrapeNow(server);
    while (!done(scrape) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
      scrape = ScrapeNow(server);
    }
    return scrape;
  }

  static json::object ChatBody(const std::string& to, const std::string& msg_id) {
    return {{"msg_id", msg_id}, {"to", to}, {"payload", {{"content", "hi"}, {"msg_type", 1}}}};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
  std::string last_text_;
};

TEST_F(MetricsTest, FiguresMatchKnownTraffic) {
  constexpr int kToBob = 5;
  constexpr int kToCarol = 2;

  // Failed authentications: a forged token over TCP and at the WebSocket
  // upgrade, a wrong password over HTTP and over TCP.
  {
    RawTcpClient forged(server_->tcp_port());
    EXPECT_FALSE(forged.Login("not-a-token"));
    auto wrong = forged.Call(1, {{"user_id", "alice"}, {"password", "wrong"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->at("code").as_int64(), 401);
  }
  RawWsClient forged_ws(server_->ws_port(), "/ws?token=not-a-token");
  EXPECT_FALSE(forged_ws.upgraded());
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login",
                     R"({"user_id":"alice","password":"wrong"})").status, 401);

  RawWsClient bob(server_->ws_port(), "/ws?token=" + tokens_["bob"]);
  ASSERT_TRUE(bob.upgraded()) << bob.response_head();
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(tokens_["alice"]));
  // Bob is online once his session answers (the upgrade attaches it).
  ASSERT_TRUE(bob.Send(0x1, R"({"cmd":0})"));
  ASSERT_EQ(bob.Read().opcode, 0x1);

  for (int i = 0; i < kToBob + kToCarol; ++i) {
    const std::string to = i < kToBob ? "bob" : "carol";
    auto ack = alice.Call(2, ChatBody(to, "m" + std::to_string(i)));
    ASSERT_TRUE(ack && ack->at("code").as_int64() == 0) << server_->Log();
  }
  for (int i = 0; i < kToBob; ++i) {
    const RawWsClient::ServerFrame push = bob.Read();
    ASSERT_EQ(push.opcode, 0x1) << "push " << i;
    EXPECT_NE(push.payload.find("\"cmd\":5"), std::string::npos) << push.payload;
  }

  const bool cluster = ClusterBackend();
  Scrape m = ScrapeUntil([&](const Scrape& s) {
    const bool written = s.count("parley_pushes_sent_total") &&
                         s.at("parley_pushes_sent_total") == kToBob;
    const bool tcp_closed = s.count("parley_connections_open{transport=\"tcp\"}") &&
                            s.at("parley_connections_open{transport=\"tcp\"}") == 1;
    const bool routed = !cluster || (s.count("parley_redis_bus_publishes_routed_total") &&
                                     s.at("parley_redis_bus_publishes_routed_total") ==
                                         kToBob + kToCarol);
    return written && tcp_closed && routed;
  });
  SCOPED_TRACE(last_text_);

  EXPECT_EQ(m["parley_messages_stored_total"], kToBob + kToCarol);
  EXPECT_EQ(m["parley_messages_duplicate_total"], 0);
  EXPECT_EQ(m["parley_chat_ack_seconds_count"], kToBob + kToCarol);
  EXPECT_EQ(m["parley_chat_ack_seconds_bucket{le=\"+Inf\"}"], kToBob + kToCarol);
  EXPECT_GT(m["parley_chat_ack_seconds_sum"], 0);

  // Pushes: only bob's session gets any (alice's own is skipped, carol is
  // offline), each one queued and written.
  EXPECT_EQ(m["parley_deliveries_total"], kToBob);
  EXPECT_EQ(m["parley_pushes_queued_total"], kToBob);
  EXPECT_EQ(m["parley_pushes_sent_total"], kToBob);
  EXPECT_EQ(m["parley_pushes_dropped_total{reason=\"slow_consumer\"}"], 0);
  EXPECT_EQ(m["parley_pushes_dropped_total{reason=\"closed\"}"], 0);
  EXPECT_EQ(m["parley_slow_consumer_disconnects_total"], 0);

  EXPECT_EQ(m["parley_auth_failures_total{reason=\"bad_token\"}"], 2);
  EXPECT_EQ(m["parley_auth_failures_total{reason=\"bad_password\"}"], 2);
  EXPECT_EQ(m["parley_auth_failures_total{reason=\"other\"}"], 0);

  // The forged TCP client came and went; the refused upgrade never became a
  // connection.
  EXPECT_EQ(m["parley_connections_open{transport=\"tcp\"}"], 1);
  EXPECT_EQ(m["parley_connections_open{transport=\"ws\"}"], 1);
  EXPECT_EQ(m["parley_connections_total{transport=\"tcp\"}"], 2);
  EXPECT_EQ(m["parley_connections_total{transport=\"ws\"}"], 1);
  EXPECT_EQ(m["parley_sessions_online"], 2);

  // One commit measured per batch written, on both backends.
  EXPECT_GE(m["parley_store_batches_total"], 1);
  EXPECT_EQ(m["parley_store_commit_seconds_count"], m["parley_store_batches_total"]);
  if (cluster) {
    // Registrations are not group-committed there: one batch per CHAT, as
    // each waited for the previous ack.
    EXPECT_EQ(m["parley_store_batches_total"], kToBob + kToCarol);
    EXPECT_EQ(m["parley_store_batch_size_count"], m["parley_store_batches_total"]);
    EXPECT_EQ(m["parley_store_batch_size_sum"], kToBob + kToCarol);
    EXPECT_EQ(m["parley_redis_bus_publishes_routed_total"], kToBob + kToCarol);
    EXPECT_EQ(m["parley_redis_bus_remote_publishes_total"], 0);  // everyone is on this gateway
    EXPECT_EQ(m["parley_redis_bus_route_errors_total"], 0);
    EXPECT_EQ(m["parley_redis_bus_publishes_dropped_total"], 0);
  } else {
    // 3 registrations and 7 appends, each alone in its batch.
    EXPECT_EQ(m["parley_store_batches_total"], 3 + kToBob + kToCarol);
    EXPECT_EQ(m["parley_store_batch_size_count"], m["parley_store_batches_total"]);
    EXPECT_EQ(m["parley_store_batch_size_sum"], 3 + kToBob + kToCarol);
    EXPECT_EQ(m["parley_store_batch_size_bucket{le=\"1\"}"], 3 + kToBob + kToCarol);
    EXPECT_EQ(m.count("parley_redis_bus_publishes_routed_total"), 0u);
    // The store's memory: the messages just written sit in a memtable, and
    // neither bounded part is past its bound (rocks_options.h).
    EXPECT_GT(m["parley_store_memory_bytes{part=\"memtables\"}"], 0);
    EXPECT_LE(m["parley_store_memory_bytes{part=\"memtables\"}"], 80 << 20);
    EXPECT_LE(m["parley_store_memory_bytes{part=\"block_cache\"}"], 64 << 20);
    EXPECT_EQ(m.count("parley_store_memory_bytes{part=\"table_readers\"}"), 1u);
  }
}

// --metrics-listen: the figures move to a listener of their own, and the
// public port no longer shows them (without the flag it does: MetricsTest
// above scrapes the public port).
TEST(MetricsListenerTest, MetricsMoveToTheirOwnListener) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data", {"--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server);
  ASSERT_NE(server->metrics_port(), 0);
  ASSERT_NE(server->metrics_port(), server->ws_port());
  ASSERT_FALSE(RegisterUser(server->ws_port(), "alice").empty()) << server->Log();

  const HttpResult metrics = HttpGet(server->metrics_port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE parley_connections_open gauge"), std::string::npos)
      << metrics.body;
  EXPECT_EQ(Parse(metrics.body).count("parley_messages_stored_total"), 1u) << metrics.body;
  const HttpResult health = HttpGet(server->metrics_port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");

  // The public port: no figures, still the health check load balancers use.
  EXPECT_EQ(HttpGet(server->ws_port(), "/metrics").status, 404);
  EXPECT_EQ(HttpGet(server->ws_port(), "/healthz").status, 200);

  // The metrics listener serves nothing else: no API, no static files, no
  // WebSocket.
  EXPECT_EQ(HttpPost(server->metrics_port(), "/api/login",
                     R"({"user_id":"alice","password":"secret-pw"})").status, 404);
  EXPECT_EQ(HttpGet(server->metrics_port(), "/").status, 404);
  RawWsClient ws(server->metrics_port(), "/ws?user_id=alice");
  EXPECT_TRUE(ws.response_head().starts_with("HTTP/1.1 404")) << ws.response_head();
  EXPECT_EQ(HttpPost(server->metrics_port(), "/metrics", "").status, 405);
}

// Cluster mode: a push for a user on another gateway crosses Redis once and
// is counted on both gateways.
TEST_F(MetricsTest, CrossGatewayPushesAreCountedOnBothGateways) {
  if (!ClusterBackend()) GTEST_SKIP() << "one gateway only in embedded mode";
  constexpr int kMessages = 3;
  auto gw2 = ServerProcess::StartGateway(dir_.path(), "gw2");
  ASSERT_TRUE(gw2);
  const auto value = [](const Scrape& s, const std::string& name) {
    return s.count(name) ? s.at(name) : -1.0;
  };
  const double presence_before =
      value(ScrapeNow(*gw2), "parley_redis_bus_presence_writes_total");
  RawTcpClient bob(gw2->tcp_port());
  ASSERT_TRUE(bob.Login(tokens_["bob"]));
  // Bob's presence is in Redis once gw2 wrote it.
  ScrapeUntil(*gw2, [&](const Scrape& s) {
    return value(s, "parley_redis_bus_presence_writes_total") > presence_before;
  });
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(tokens_["alice"]));
  for (int i = 0; i < kMessages; ++i) {
    auto ack = alice.Call(2, ChatBody("bob", "x" + std::to_string(i)));
    ASSERT_TRUE(ack && ack->at("code").as_int64() == 0);
  }
  for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(bob.Read()) << "push " << i;

  Scrape gw1_m = ScrapeUntil([&](const Scrape& s) {
    return value(s, "parley_redis_bus_remote_publishes_total") == kMessages;
  });
  SCOPED_TRACE("gw1:\n" + last_text_);
  Scrape gw2_m = ScrapeUntil(*gw2, [&](const Scrape& s) {
    return value(s, "parley_pushes_sent_total") == kMessages;
  });
  SCOPED_TRACE("gw2:\n" + last_text_);
  EXPECT_EQ(gw1_m["parley_redis_bus_publishes_routed_total"], kMessages);
  EXPECT_EQ(gw1_m["parley_redis_bus_remote_publishes_total"], kMessages);
  EXPECT_EQ(gw1_m["parley_redis_bus_gateways_absent_total"], 0);
  EXPECT_EQ(gw1_m["parley_deliveries_total"], 0);  // no recipient session on gw1
  EXPECT_EQ(gw2_m["parley_redis_bus_remote_received_total"], kMessages);
  EXPECT_EQ(gw2_m["parley_redis_bus_malformed_received_total"], 0);
  EXPECT_EQ(gw2_m["parley_deliveries_total"], kMessages);
  EXPECT_EQ(gw2_m["parley_pushes_sent_total"], kMessages);
  EXPECT_EQ(gw2_m["parley_messages_stored_total"], 0);  // stored by gw1
}

}  // namespace
}  // namespace parley::testing
