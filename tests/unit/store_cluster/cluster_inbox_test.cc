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
  core::InboxPage trimmed = Run(store_->ReadInbox("bob", 0, 100)).value();
  EXPECT_TRUE(trimmed.expired) << "1..3 were deleted";
  EXPECT_EQ(trimmed.expired_reason, core::ExpiredReason::kRetention);
  EXPECT_EQ(InboxMessages(Run(store_->ReadInbox("bob", 3, 100)).value(), 3), (Entries{{kAB, 4}}));
}

TEST_F(ClusterInboxTest, ACursorOlderThanTheKeptEntriesIsExpiredAsCapped) {
  options_.max_inbox_entries = 3;
  Reopen();
  for (int i = 1; i <= 5; ++i) Send(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  for (std::int64_t cursor : {0, 1}) {
    core::InboxPage page = Run(store_->ReadInbox("bob", cursor, 100)).value();
    EXPECT_TRUE(page.expired) << cursor;
    EXPECT_EQ(page.expired_reason, core::ExpiredReason::kCapped) << cursor;
    EXPECT_TRUE(page.entries.empty());
    EXPECT_EQ(page.latest_inbox_seq, 5);
  }
  core::InboxPage kept = Run(store_->ReadInbox("bob", 2, 100)).value();
  EXPECT_FALSE(kept.expired);
  EXPECT_EQ(kept.expired_reason, core::ExpiredReason::kNone);
  EXPECT_EQ(InboxMessages(kept, 2), (Entries{{kAB, 3}, {kAB, 4}, {kAB, 5}}));
}

}  // namespace
}  // namespace parley::store::testing
