#include "base/histogram.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"

namespace parley::base {
namespace {

TEST(HistogramTest, ObservationsFallInTheFirstBucketAtOrAboveThem) {
  Histogram h({10, 20, 40});
  for (std::uint64_t v : {0, 10, 11, 20, 39, 40, 41, 1000}) h.Observe(v);
  EXPECT_EQ(h.CumulativeCount(0), 2u);  // 0, 10: le is inclusive
  EXPECT_EQ(h.CumulativeCount(1), 4u);  // + 11, 20
  EXPECT_EQ(h.CumulativeCount(2), 6u);  // + 39, 40
  EXPECT_EQ(h.count(), 8u);             // + 41, 1000 in +Inf
  EXPECT_EQ(h.sum(), 0u + 10 + 11 + 20 + 39 + 40 + 41 + 1000);
}

TEST(HistogramTest, RendersPrometheusTextScaled) {
  Histogram h({100, 2500}, 1e6);  // microseconds, rendered in seconds
  h.Observe(50);
  h.Observe(2000);
  h.Observe(3'000'000);
  std::string out;
  h.Render(out, "parley_x_seconds", "A latency.");
  EXPECT_EQ(out,
            "# HELP parley_x_seconds A latency.\n"
            "# TYPE parley_x_seconds histogram\n"
            "parley_x_seconds_bucket{le=\"0.0001\"} 1\n"
            "parley_x_seconds_bucket{le=\"0.0025\"} 2\n"
            "parley_x_seconds_bucket{le=\"+Inf\"} 3\n"
            "parley_x_seconds_sum 3.00205\n"
            "parley_x_seconds_count 3\n");
}

TEST(HistogramTest, RefusesBoundsOutOfOrder) {
  EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
  EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(Histogram({1}, 0), std::invalid_argument);
}

TEST(HistogramTest, ConcurrentObserversLoseNothing) {
  Histogram h({1, 2, 4, 8});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (std::uint64_t i = 0; i < 100'000; ++i) h.Observe(i % 10);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 400'000u);
  EXPECT_EQ(h.sum(), 4u * 10'000 * 45);
  EXPECT_EQ(h.CumulativeCount(3), 4u * 10'000 * 9);  // 0..8
}

TEST(MetricsTest, EveryFamilyHasHelpAndTypeAndCollectorsAppend) {
  Metrics m;
  m.connections_open[Metrics::Index(Transport::kWs)] = 2;
  Bump(m.auth_failures_total[Metrics::Index(AuthFailure::kBadPassword)]);
  m.AddCollector([](std::string& out) {
    AppendFamily(out, "parley_extra_total", "counter", "Extra.");
    AppendSample(out, "parley_extra_total", {}, std::uint64_t{7});
  });
  const std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("\nparley_connections_open{transport=\"ws\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nparley_auth_failures_total{reason=\"bad_password\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE parley_chat_ack_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(text.find("parley_store_batch_size"), std::string::npos);  // nobody feeds it
  EXPECT_NE(text.find("# TYPE parley_extra_total counter\nparley_extra_total 7\n"),
            std::string::npos);
  // Every sample line belongs to a family announced by # HELP and # TYPE.
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.starts_with("#")) continue;
    std::string family = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family.ends_with(suffix) && text.find("# TYPE " + family + " ") == std::string::npos) {
        family.resize(family.size() - std::string(suffix).size());
      }
    }
    EXPECT_NE(text.find("# HELP " + family + " "), std::string::npos) << line;
    EXPECT_NE(text.find("# TYPE " + family + " "), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace parley::base
