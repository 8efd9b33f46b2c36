// Backend outages leave a trace (docs/design.md "Backend outages"): while
// gateways serve, MariaDB or Redis stops and comes back; each gateway logs
// exactly one "down" line naming the error and one "up again after N s" line
// per dependency, however many requests failed meanwhile, and /metrics
// counts one down transition. Cluster only.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

class OutageLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"gw1", "gw2"}) {
      gateways_.push_back(ServerProcess::StartGateway(dir_.path(), id));
      ASSERT_TRUE(gateways_.back()) << id;
    }
    for (const char* user : {"ann", "bob"}) {
      tokens_.push_back(RegisterUser(gateways_[0]->ws_port(), user));
      ASSERT_FALSE(tokens_.back().empty()) << user;
    }
  }

  ClusterDeps& Deps() { return DepsFor(dir_.path()); }

  bool WaitForHealthz(int status, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      bool all = true;
      for (const auto& gw : gateways_) {
        all = all && HttpGet(gw->ws_port(), "/healthz").status == status;
      }
      if (all) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // ann on gw1 and bob on gw2 each send `count` messages; with
  // `must_succeed`, each is retried until acknowledged. Their devices log in
  // on the first call and stay: a login needs the user's record, which a
  // MariaDB outage makes unreadable (503), but an outage does not close
  // connections.
  void Traffic(const std::string& tag, int count, bool must_succeed) {
    if (!ann_) {
      ann_ = std::make_unique<Device>(gateways_[0]->tcp_port(), tokens_[0]);
      bob_ = std::make_unique<Device>(gateways_[1]->tcp_port(), tokens_[1]);
    }
    for (int i = 0; i < count; ++i) {
      for (auto [device, to] : {std::pair{ann_.get(), "bob"}, std::pair{bob_.get(), "ann"}}) {
        client::Outgoing out;
        out.to = to;
        out.msg_id = tag + "-" + to + "-" + std::to_string(i);
        out.content = "during " + tag;
        for (int attempt = 0; attempt < 200; ++attempt) {
          if (device->client().Send(out) || !must_succeed) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    }
  }

  static std::vector<std::string> LinesWith(const std::string& log, const std::string& needle) {
    std::vector<std::string> lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      if (line.find(needle) != std::string::npos) lines.push_back(line);
    }
    return lines;
  }

  // One outage of `dependency` seen by every gateway: one down line that
  // contains `error`, one up line with a duration, /metrics agreeing.
  void ExpectOneOutage(const std::string& dependency, const std::string& error) {
    for (const auto& gw : gateways_) {
      const std::string log = gw->Log();
      const std::vector<std::string> down = LinesWith(log, dependency + " down: ");
      const std::vector<std::string> up = LinesWith(log, dependency + " up again after ");
      ASSERT_EQ(down.size(), 1u) << log;
      ASSERT_EQ(up.size(), 1u) << log;
      EXPECT_NE(down[0].find(error), std::string::npos) << down[0];
      EXPECT_TRUE(std::regex_search(up[0], std::regex(" up again after [0-9]+\\.[0-9] s$")))
          << up[0];
      const std::string metrics = HttpGet(gw->ws_port(), "/metrics").body;
      const std::string label = "{dependency=\"" + dependency + "\"} ";
      EXPECT_NE(metrics.find("parley_dependency_down_total" + label + "1\n"), std::string::npos)
          << metrics;
      EXPECT_NE(metrics.find("parley_dependency_up" + label + "1\n"), std::string::npos)
          << metrics;
    }
  }

  TempDir dir_;
  std::vector<std::unique_ptr<ServerProcess>> gateways_;
  std::vector<std::string> tokens_;
  std::unique_ptr<Device> ann_;
  std::unique_ptr<Device> bob_;
};

TEST_F(OutageLogTest, MysqlOutageIsOneDownAndOneUpLineOnEveryGateway) {
  Traffic("before", 5, true);
  Deps().mysql.Stop();
  ASSERT_TRUE(WaitForHealthz(503, std::chrono::seconds(10)));
  Traffic("outage", 10, false);  // each answered 503: no line of their own
  Deps().mysql.Restart();
  ASSERT_TRUE(WaitForHealthz(200, std::chrono::seconds(15)));
  Traffic("after", 20, true);  // the pool's stale connections fail once each: no new outage
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a few probes more
  ExpectOneOutage("mysql", "mysql unavailable: ");
  for (const auto& gw : gateways_) {
    EXPECT_TRUE(LinesWith(gw->Log(), "redis down: ").empty()) << gw->Log();
  }
}

TEST_F(OutageLogTest, RedisOutageIsOneDownAndOneUpLinePerConnectionKind) {
  Traffic("before", 5, true);
  Deps().redis.Stop();
  ASSERT_TRUE(WaitForHealthz(503, std::chrono::seconds(10)));
  Traffic("outage", 10, false);
  Deps().redis.Restart();
  ASSERT_TRUE(WaitForHealthz(200, std::chrono::seconds(15)));
  Traffic("after", 20, true);
  ExpectOneOutage("redis", "connection closed by server");
  ExpectOneOutage("redis_pubsub", "connection closed by server");
  for (const auto& gw : gateways_) {
    EXPECT_TRUE(LinesWith(gw->Log(), "mysql down: ").empty()) << gw->Log();
  }
}

}  // namespace
}  // namespace parley::testing
