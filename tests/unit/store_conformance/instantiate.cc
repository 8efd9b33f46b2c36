// Instantiates the conformance suite with the backend this binary is built
// for: RedisMysqlStore when PARLEY_CONFORMANCE_CLUSTER is defined
// (store_conformance_cluster_test), RocksStore otherwise
// (store_conformance_rocks_test).

#include <memory>

#include "unit/store_conformance/store_conformance.h"

#ifdef PARLEY_CONFORMANCE_CLUSTER
#include "unit/store_conformance/cluster_backend.h"
#define PARLEY_CONFORMANCE_PREFIX Cluster
#else
#include "unit/store_conformance/rocks_backend.h"
#define PARLEY_CONFORMANCE_PREFIX Rocks
#endif

namespace parley::store::testing {
namespace {

#ifdef PARLEY_CONFORMANCE_CLUSTER
using Backend = ClusterBackend;
constexpr const char* kBackendName = "cluster";
#else
using Backend = RocksBackend;
constexpr const char* kBackendName = "rocks";
#endif

std::unique_ptr<StoreBackend> MakeBackend() { return std::make_unique<Backend>(); }

const BackendFactory kBackend{kBackendName, MakeBackend};

INSTANTIATE_TEST_SUITE_P(PARLEY_CONFORMANCE_PREFIX, StoreMessagesTest, ::testing::Values(kBackend),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(PARLEY_CONFORMANCE_PREFIX, StoreGroupsTest, ::testing::Values(kBackend),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(PARLEY_CONFORMANCE_PREFIX, StoreInboxTest, ::testing::Values(kBackend),
                         BackendName);

}  // namespace
}  // namespace parley::store::testing
