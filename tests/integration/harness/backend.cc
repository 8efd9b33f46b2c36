#include "integration/harness/backend.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace parley::testing {

bool ClusterBackend() {
  const char* backend = std::getenv("PARLEY_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "cluster";
}

std::vector<std::string> ClusterDeps::GatewayFlags(const std::string& gateway_id) const {
  return {"--gateway-id", gateway_id, "--redis",
          redis.host() + ":" + std::to_string(redis.port()), "--mysql", mysql.Url()};
}

ClusterDeps& DepsFor(const std::filesystem::path& key) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::unique_ptr<ClusterDeps>> deployments;
  std::lock_guard lock(mutex);
  auto& deps = deployments[key];
  if (!deps) deps = std::make_unique<ClusterDeps>();
  return *deps;
}

}  // namespace parley::testing
