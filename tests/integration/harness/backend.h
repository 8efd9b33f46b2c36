#pragma once
// Which backend the integration tests run parleyd on. The same tests run
// twice under ctest: once embedded (RocksDB), once with the environment
// variable PARLEY_TEST_BACKEND=cluster, where every deployment gets a real
// redis-server and mariadbd of its own (docs/design.md "Deployment modes": the
// core is tested against both).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness/mysql_server.h"
#include "integration/harness/redis_server.h"

namespace parley::testing {

bool ClusterBackend();

// The Redis and MariaDB of one deployment. Every gateway of the deployment
// connects to them; they outlive gateway restarts.
struct ClusterDeps {
  RedisServer redis;
  MysqlServer mysql;

  // --gateway-id ID --redis HOST:PORT --mysql URL
  std::vector<std::string> GatewayFlags(const std::string& gateway_id) const;
};

// The deployment named by `key` (any path unique to the test, e.g. its
// temporary dir): started on first use, stopped when the test process ends.
ClusterDeps& DepsFor(const std::filesystem::path& key);

}  // namespace parley::testing
