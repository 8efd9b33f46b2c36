// Cluster mode (many gateways on Redis and MariaDB): messages cross
// gateways in order and once, a user's devices on two gateways both get
// everything, a gateway crash loses nothing acknowledged, Redis and MariaDB
// restarts are survived, and idempotency holds across gateways.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <thread>

#include "integration/harness/backend.h"
#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"
#include "integration/harness/tcp_proxy.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"gw1", "gw2", "gw3"}) {
      gateways_[id] = ServerProcess::StartGateway(dir_.path(), id);
      ASSERT_TRUE(gateways_[id]) << id;
    }
  }
  ServerProcess& Gw(const std::string& id) { return *gateways_.at(id); }
  ClusterDeps& Deps() { return DepsFor(dir_.path()); }
  const std::string& Token(const std::string& user) {
    auto& token = tokens_[user];
    if (token.empty()) token = RegisterUser(Gw("gw1").ws_port(), user);
    EXPECT_FALSE(token.empty()) << user;
    return token;
  }

  // Sends until acknowledged, retrying the same msg_id through outages
  // (503s, timeouts, reconnects); returns the seq.
  std::int64_t SendReliably(client::SyncClient& client, client::Outgoing out) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto ack = client.Send(out);
      if (ack) return ack->seq;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "never acknowledged: " << out.msg_id;
    return 0;
  }

  // Polls /healthz of each gateway until all answer `status`, at most `limit`.
  bool WaitForHealthz(const std::vector<std::string>& gateways, int status,
                      std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      bool all = true;
      for (const std::string& id : gateways) {
        all = all && HttpGet(Gw(id).ws_port(), "/healthz").status == status;
      }
      if (all) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // The whole timeline of a conversation, read through `client`, retrying a
  // page answered 503 as a client does (right after MySQL restarted, a
  // gateway's idle pooled connection fails once: "Lost connection").
  std::vector<protocol::Message> Timeline(client::SyncClient& client, const std::string& conv) {
    std::vector<protocol::Message> all;
    std::int64_t cursor = 0;
    for (int page = 0; page < 1000; ++page) {
      auto got = client.Pull(conv, cursor, 200);
      for (int retry = 0; !got && retry < 20; ++retry) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        got = client.Pull(conv, cursor, 200);
      }
      EXPECT_TRUE(got) << (got ? "" : got.error().message);
      if (!got) break;
      all.insert(all.end(), got->messages.begin(), got->messages.end());
      cursor = got->next_cursor_seq;
      if (!got->has_more) break;
    }
    return all;
  }

  // Redis or MariaDB restarted while jack (gw1) writes to kate (gw2): the
  // client sees 503s or retries, then recovers; every acknowledged message
  // is there once, in order, and no seq repeats.
  void RestartMidTraffic(const std::function<void()>& restart) {
    Device jack(Gw("gw1").tcp_port(), Token("jack"));
    Device kate(Gw("gw2").tcp_port(), Token("kate"));
    std::set<std::string> acked;
    for (int i = 0; i < 300; ++i) {
      if (i == 100) restart();
      client::Outgoing out;
      out.to = "kate";
      out.msg_id = "j" + std::to_string(i);
      out.content = "through the outage";
      SendReliably(jack.client(), out);
      acked.insert(out.msg_id);
    }
    auto all = Timeline(kate.client(), "private_jack:kate");
    std::set<std::int64_t> seqs;
    std::set<std::string> ids;
    for (const auto& m : all) {
      EXPECT_TRUE(seqs.insert(m.seq).second) << "seq " << m.seq << " repeats";
      EXPECT_TRUE(ids.insert(m.msg_id).second) << m.msg_id << " stored twice";
    }
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
    EXPECT_EQ(ids, acked) << "every acknowledged message, and nothing else";
  }

  TempDir dir_;
  std::map<std::string, std::unique_ptr<ServerProcess>> gateways_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(ClusterTest, MessagesCrossGatewaysInOrderOnce) {
  Device alice(Gw("gw1").tcp_port(), Token("alice"));
  Device bob(Gw("gw2").ws_port(), Token("bob"), /*websocket=*/true);
  Device carol(Gw("gw3").tcp_port(), Token("carol"));
  ASSERT_TRUE(alice.client().GroupCreate("x", {"bob", "carol"}, "x"));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(alice.client().SendTo("bob", "to bob " + std::to_string(i)));
    ASSERT_TRUE(bob.client().SendToConversation("group_x", "to all " + std::to_string(i)));
  }
  ASSERT_TRUE(bob.WaitForCount(50 + 1));
  ASSERT_TRUE(carol.WaitForCount(50 + 1));
  ASSERT_TRUE(alice.WaitForCount(50 + 0));
  auto at_bob = bob.Received();
  EXPECT_EQ(at_bob["private_alice:bob"].size(), 50u);
  EXPECT_TRUE(Device::IsDense(at_bob["private_alice:bob"]));
  auto at_carol = carol.Received()["group_x"];
  EXPECT_EQ(at_carol.size(), 51u);  // the creation and bob's 50
  EXPECT_TRUE(Device::IsDense(at_carol));
}

TEST_F(ClusterTest, DevicesOnTwoGatewaysBothGetEverything) {
  Device phone(Gw("gw1").tcp_port(), Token("dave"));
  Device laptop(Gw("gw3").tcp_port(), Token("dave"));
  Device erin(Gw("gw2").tcp_port(), Token("erin"));
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(erin.client().SendTo("dave", std::to_string(i)));
  ASSERT_TRUE(phone.WaitForCount(40));
  ASSERT_TRUE(laptop.WaitForCount(40));
  EXPECT_TRUE(Device::IsDense(phone.Received()["private_dave:erin"]));
  EXPECT_TRUE(Device::IsDense(laptop.Received()["private_dave:erin"]));
}

TEST_F(ClusterTest, Kill9OfAGatewayLosesNoAcknowledgedMessage) {
  // gw2's users come through a "load balancer" that fails over to gw3.
  TcpProxy balancer(Gw("gw2").tcp_port());
  Device frank(balancer.port(), Token("frank"));
  Device grace(Gw("gw1").tcp_port(), Token("grace"));
  std::vector<std::int64_t> acked;
  for (int i = 0; i < 100; ++i) {
    client::Outgoing out;
    out.to = "grace";
    out.msg_id = "f" + std::to_string(i);
    out.content = "before and after the crash";
    if (i == 50) {
      Gw("gw2").Kill9();
      balancer.SetUpstream(Gw("gw3").tcp_port());
      balancer.SetOnline(false);  // cut the dead gateway's connections
      balancer.SetOnline(true);
    }
    acked.push_back(SendReliably(frank.client(), out));
  }
  ASSERT_TRUE(frank.client().Sync());
  ASSERT_TRUE(grace.client().Sync());
  auto timeline = Timeline(grace.client(), "private_frank:grace");
  ASSERT_EQ(timeline.size(), 100u);
  EXPECT_TRUE(Device::IsDense(timeline));
  for (std::size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(timeline[i].seq, acked[i]);
  EXPECT_EQ(grace.Received()["private_frank:grace"].size(), 100u);
}

TEST_F(ClusterTest, IdempotencyHoldsAcrossGateways) {
  Device on_gw1(Gw("gw1").tcp_port(), Token("henry"));
  Device on_gw2(Gw("gw2").tcp_port(), Token("henry"));
  Token("iris");
  client::Outgoing out;
  out.to = "iris";
  out.msg_id = "once-only";
  out.content = "hello";
  auto first = on_gw1.client().Send(out);
  auto retry = on_gw2.client().Send(out);
  ASSERT_TRUE(first && retry);
  EXPECT_EQ(first->seq, retry->seq);
  EXPECT_EQ(Timeline(on_gw1.client(), "private_henry:iris").size(), 1u);
}

TEST_F(ClusterTest, RedisRestartMidTraffic) {
  RestartMidTraffic([&] {
    Deps().redis.Kill9();
    // Down until both gateways in use have seen it.
    EXPECT_TRUE(WaitForHealthz({"gw1", "gw2"}, 503, std::chrono::seconds(10)));
    Deps().redis.Restart();
  });
}

TEST_F(ClusterTest, MysqlRestartMidTraffic) {
  RestartMidTraffic([&] {
    Deps().mysql.Kill9();
    // Down until both gateways in use have seen it.
    EXPECT_TRUE(WaitForHealthz({"gw1", "gw2"}, 503, std::chrono::seconds(10)));
    Deps().mysql.Restart();
  });
}

TEST_F(ClusterTest, HealthzTurnsUnhealthyWhileADependencyIsDown) {
  EXPECT_EQ(HttpGet(Gw("gw1").ws_port(), "/healthz").status, 200);
  Deps().redis.Stop();
  EXPECT_TRUE(WaitForHealthz({"gw1"}, 503, std::chrono::seconds(5)));
  Deps().redis.Restart();
  EXPECT_TRUE(WaitForHealthz({"gw1"}, 200, std::chrono::seconds(10)));
}

}  // namespace
}  // namespace parley::testing
