// deploy/: the Prometheus alert rules load (promtool, from Debian's
// prometheus package), and every parley_* metric the rules and the Grafana
// dashboard name is one a gateway exposes: checked against the /metrics of
// a cluster gateway with media and webhooks on, which shows every family
// (cluster variant only).

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kRules = std::string(PARLEY_SOURCE_DIR) + "/deploy/prometheus/parley-alerts.yml";
const std::string kDashboard =
    std::string(PARLEY_SOURCE_DIR) + "/deploy/grafana/parley-dashboard.json";

// The metric families a text names: parley_* with a histogram's
// _bucket/_sum/_count suffix taken off.
std::set<std::string> MetricFamilies(const std::string& text) {
  std::set<std::string> names;
  const std::regex name("parley_[a-z_]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator();
       ++it) {
    std::string metric = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (metric.ends_with(suffix)) metric.resize(metric.size() - std::string(suffix).size());
    }
    names.insert(metric);
  }
  return names;
}

TEST(DeployTest, TheAlertRulesLoad) {
  if (ClusterBackend()) GTEST_SKIP() << "runs once, in the embedded variant";
  ASSERT_EQ(std::system("command -v promtool > /dev/null"), 0)
      << "promtool is missing: run scripts/bootstrap (it installs Debian's prometheus package)";
  EXPECT_EQ(std::system(("promtool check rules " + kRules + " > /dev/null").c_str()), 0);
  EXPECT_NO_THROW(boost::json::parse(Slurp(kDashboard))) << "the dashboard is not JSON";
}

TEST(DeployTest, EveryMetricTheRulesAndTheDashboardNameExists) {
  if (!ClusterBackend()) GTEST_SKIP() << "cluster variant only: a gateway shows every family";
  TempDir dir;
  auto gateway = ServerProcess::StartGateway(
      dir.path(), "gw1",
      {"--media-dir", (dir.path() / "media").string(), "--webhook-url",
       "http://127.0.0.1:9/hooks", "--webhook-secret", "s"});
  ASSERT_TRUE(gateway);
  const std::string metrics = HttpGet(gateway->ws_port(), "/metrics").body;
  const std::set<std::string> exposed = MetricFamilies(metrics);
  std::set<std::string> named = MetricFamilies(Slurp(kRules));
  named.merge(MetricFamilies(Slurp(kDashboard)));
  ASSERT_GT(named.size(), 15u);
  for (const std::string& metric : named) {
    EXPECT_TRUE(exposed.contains(metric)) << metric << " is named in deploy/ but not in /metrics";
  }
}

}  // namespace
}  // namespace parley::testing
