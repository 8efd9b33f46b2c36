// DependencyHealth: one log line and one count per transition, none for a
// report that agrees with the state; the grace absorbs per-query flapping.

#include "base/dependency_health.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::base {
namespace {

using namespace std::chrono_literals;

class DependencyHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    sink_->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink_));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  // The lines logged so far, without their newlines.
  std::vector<std::string> Lines() {
    std::vector<std::string> lines = sink_->last_formatted();
    for (std::string& line : lines) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    }
    return lines;
  }

  std::atomic<std::int64_t> now_ms_{1'000'000};
  DependencyHealth health_{[this] { return now_ms_.load(); }};
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(DependencyHealthTest, LogsAndCountsEachTransitionOnce) {
  health_.Track(Dependency::kRedis);
  EXPECT_TRUE(health_.IsUp(Dependency::kRedis));
  health_.ReportUp(Dependency::kRedis);
  EXPECT_TRUE(Lines().empty()) << "up while up is no news";

  for (int i = 0; i < 100; ++i) health_.ReportDown(Dependency::kRedis, "connection refused");
  EXPECT_FALSE(health_.IsUp(Dependency::kRedis));
  EXPECT_EQ(health_.DownTotal(Dependency::kRedis), 1u);
  now_ms_ += 4200;
  for (int i = 0; i < 100; ++i) health_.ReportUp(Dependency::kRedis);
  EXPECT_TRUE(health_.IsUp(Dependency::kRedis));
  EXPECT_EQ(health_.DownTotal(Dependency::kRedis), 1u);
  EXPECT_EQ(Lines(), (std::vector<std::string>{"redis down: connection refused",
                                                "redis up again after 4.2 s"}));

  health_.ReportDown(Dependency::kRedis, "timeout");
  health_.ReportUp(Dependency::kRedis);
  EXPECT_EQ(health_.DownTotal(Dependency::kRedis), 2u);
  EXPECT_EQ(Lines().size(), 4u);
  EXPECT_EQ(Lines()[2], "redis down: timeout");
  EXPECT_EQ(Lines()[3], "redis up again after 0.0 s");
}

TEST_F(DependencyHealthTest, DependenciesAreIndependent) {
  health_.ReportDown(Dependency::kMysql, "gone");
  EXPECT_FALSE(health_.IsUp(Dependency::kMysql));
  EXPECT_TRUE(health_.IsUp(Dependency::kRedis));
  EXPECT_TRUE(health_.IsUp(Dependency::kRedisPubsub));
  EXPECT_EQ(Lines(), (std::vector<std::string>{"mysql down: gone"}));
}

TEST_F(DependencyHealthTest, AFailureWithinTheGraceOfASuccessIsNotAnOutage) {
  health_.Track(Dependency::kMysql, 2000ms);
  // Per-query flapping: successes and failures interleaved.
  for (int i = 0; i < 50; ++i) {
    health_.ReportUp(Dependency::kMysql);
    now_ms_ += 10;
    health_.ReportDown(Dependency::kMysql, "overloaded");
  }
  EXPECT_TRUE(health_.IsUp(Dependency::kMysql));
  EXPECT_TRUE(Lines().empty());

  // Only failures for longer than the grace: down, once.
  now_ms_ += 1000;
  health_.ReportDown(Dependency::kMysql, "server has gone away");
  EXPECT_TRUE(health_.IsUp(Dependency::kMysql));
  now_ms_ += 1500;
  health_.ReportDown(Dependency::kMysql, "can't connect");
  health_.ReportDown(Dependency::kMysql, "can't connect");
  EXPECT_FALSE(health_.IsUp(Dependency::kMysql));
  EXPECT_EQ(Lines(), (std::vector<std::string>{"mysql down: can't connect"}));

  // Back at the first success; a straggler's failure just after is absorbed.
  // The outage is counted from the last success (t = 490 ms) to now (6 s).
  now_ms_ += 3000;
  health_.ReportUp(Dependency::kMysql);
  health_.ReportDown(Dependency::kMysql, "server has gone away");
  EXPECT_TRUE(health_.IsUp(Dependency::kMysql));
  EXPECT_EQ(health_.DownTotal(Dependency::kMysql), 1u);
  EXPECT_EQ(Lines().back(), "mysql up again after 5.5 s");
  EXPECT_EQ(Lines().size(), 2u);
}

TEST_F(DependencyHealthTest, ConcurrentReportersLogOneTransition) {
  health_.Track(Dependency::kRedisPubsub);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 1000; ++i) health_.ReportDown(Dependency::kRedisPubsub, "lost");
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(health_.DownTotal(Dependency::kRedisPubsub), 1u);
  EXPECT_EQ(Lines().size(), 1u);
}

TEST_F(DependencyHealthTest, RendersTrackedDependenciesOnly) {
  std::string none;
  health_.Render(none);
  EXPECT_EQ(none, "") << "embedded mode has no dependencies";

  health_.Track(Dependency::kMysql, 2000ms);
  health_.Track(Dependency::kRedis);
  health_.ReportDown(Dependency::kRedis, "lost");
  std::string out;
  health_.Render(out);
  EXPECT_NE(out.find("# TYPE parley_dependency_up gauge"), std::string::npos) << out;
  EXPECT_NE(out.find("parley_dependency_up{dependency=\"mysql\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("parley_dependency_up{dependency=\"redis\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("# TYPE parley_dependency_down_total counter"), std::string::npos) << out;
  EXPECT_NE(out.find("parley_dependency_down_total{dependency=\"mysql\"} 0\n"),
            std::string::npos) << out;
  EXPECT_NE(out.find("parley_dependency_down_total{dependency=\"redis\"} 1\n"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("redis_pubsub"), std::string::npos) << out;
}

}  // namespace
}  // namespace parley::base
