// RedisMysqlStore-only inbox behaviour: a write to a user's inbox trims its
// entries past the retention (RocksStore sweeps in its writer instead:
// rocks_inbox_test.cc). Who gets entries, paging and expiry are in the
// conformance suite (store_conformance/store_inbox_test.cc).

#include <gtest/gtest.h>

#include <chrono>

#include "unit/store_cluster/cluster_store_fixture.h"

namespace parley::store::testing {
namespace {

using namespace std::chrono_literals;

using ClusterInboxTest = ClusterStoreTest;

TEST_F(ClusterInboxTest, WritesTrimEntriesPastTheRetention) {
  options_.inbox_retention = 1h;
  Reopen();
  const auto now = [this](core::AppendRequest request) {
    return At(std::move(request), clock_.NowMs());
  };
  for (int i = 1; i <= 3; ++i) Send(now(Chat("alice", kAB, std::to_string(i), {"alice", "bob"})));
  clock_.AdvanceMs(std::chrono::milliseconds(70min).count());
  Send(now(Chat("alice", kAB, "4", {"alice", "bob"})));     // trims 1..3
  clock_.AdvanceMs(-std::chrono::milliseconds(2h).count());  // nothing is old any more
  EXPECT_TRUE(Run(store_->ReadInbox("bob", 0, 100)).value().expired) << "1..3 were deleted";
  EXPECT_EQ(InboxMessages(Run(store_->ReadInbox("bob", 3, 100)).value(), 3), (Entries{{kAB, 4}}));
}

}  // namespace
}  // namespace parley::store::testing
