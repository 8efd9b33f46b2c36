// RedisMysqlStore inbox (write diffusion): who gets entries, the fanout
// threshold, paging, expiry.

#include <gtest/gtest.h>

#include <chrono>

#include "unit/store_cluster/cluster_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendResult;
using core::GroupOp;
using core::InboxPage;
using Entries = std::vector<std::pair<std::string, std::int64_t>>;
using namespace std::chrono_literals;

const std::string kAB = "private_alice_bob";
const std::string kG = base::GroupConversationId("g");

class ClusterInboxTest : public ClusterStoreTest {
 protected:
  void SetUp() override {
    options_.inbox_retention = 1h;
    ClusterStoreTest::SetUp();
  }
  AppendResult SendNow(core::AppendRequest request) {
    request.message.send_time = clock_.NowMs();
    return Send(std::move(request));
  }
  InboxPage Inbox(const std::string& user, std::int64_t after, std::size_t limit = 100) {
    return Run(store_->ReadInbox(user, after, limit)).value();
  }
  Entries Messages(const InboxPage& page, std::int64_t after) {
    Entries out;
    for (const auto& entry : page.entries) {
      EXPECT_EQ(entry.inbox_seq, ++after);
      auto m = protocol::ParseMessage(entry.message_json).value();
      out.emplace_back(m.conversation_id, m.seq);
    }
    return out;
  }
};

TEST_F(ClusterInboxTest, PrivateMessagesGoToBothInboxes) {
  AppendResult first = SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  SendNow(Chat("bob", kAB, "m2", {"alice", "bob"}));
  EXPECT_TRUE(first.inboxed);
  for (const char* user : {"alice", "bob"}) {
    InboxPage page = Inbox(user, 0);
    EXPECT_EQ(page.latest_inbox_seq, 2);
    EXPECT_FALSE(page.expired);
    EXPECT_FALSE(page.has_more);
    EXPECT_EQ(Messages(page, 0), (Entries{{kAB, 1}, {kAB, 2}})) << user;
    ASSERT_EQ(page.entries.size(), 2u);
    EXPECT_EQ(page.entries[0].message_json, *first.message_json);
  }
  InboxPage nobody = Inbox("carol", 0);
  EXPECT_TRUE(nobody.entries.empty());
  EXPECT_EQ(nobody.latest_inbox_seq, 0);
  EXPECT_FALSE(nobody.expired);
}

TEST_F(ClusterInboxTest, FanoutThresholdDecidesPerMessage) {
  options_.fanout_threshold = 3;
  Reopen();
  EXPECT_TRUE(SendNow(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"})).inboxed);
  EXPECT_FALSE(SendNow(Change(GroupOp::kJoin, "g", "dave", "j1")).inboxed);
  EXPECT_FALSE(SendNow(Chat("bob", kG, "m1")).inboxed);
  EXPECT_FALSE(SendNow(Change(GroupOp::kLeave, "g", "dave", "l1")).inboxed);
  EXPECT_TRUE(SendNow(Chat("carol", kG, "m2")).inboxed);
  SendNow(Chat("alice", kAB, "p1", {"alice", "bob"}));

  EXPECT_EQ(Messages(Inbox("alice", 0), 0), (Entries{{kG, 1}, {kG, 5}, {kAB, 1}}));
  EXPECT_EQ(Messages(Inbox("carol", 0), 0), (Entries{{kG, 1}, {kG, 5}}));
  EXPECT_TRUE(Inbox("dave", 0).entries.empty());
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
}

TEST_F(ClusterInboxTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  InboxPage page = Inbox("bob", 0, 2);
  EXPECT_EQ(Messages(page, 0), (Entries{{kAB, 1}, {kAB, 2}}));
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", 4, 2);
  EXPECT_EQ(Messages(page, 4), (Entries{{kAB, 5}}));
  EXPECT_FALSE(page.has_more);
  page = Inbox("bob", 5, 2);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(page.latest_inbox_seq, 5);
  page = Inbox("bob", 1, 0);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", -3, 1);
  EXPECT_EQ(Messages(page, 0), (Entries{{kAB, 1}}));
}

TEST_F(ClusterInboxTest, RetryAddsNoEntry) {
  SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  EXPECT_TRUE(SendNow(Chat("alice", kAB, "m1", {"alice", "bob"})).duplicate);
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 1);
}

TEST_F(ClusterInboxTest, CursorOlderThanTheRetentionIsExpired) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  clock_.AdvanceMs(std::chrono::milliseconds(30min).count());
  for (int i = 4; i <= 5; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  EXPECT_FALSE(Inbox("bob", 0).expired);

  clock_.AdvanceMs(std::chrono::milliseconds(45min).count());  // 1..3 are 75 min old
  InboxPage stale = Inbox("bob", 0);
  EXPECT_TRUE(stale.expired);
  EXPECT_TRUE(stale.entries.empty());
  EXPECT_EQ(stale.latest_inbox_seq, 5);
  InboxPage fresh = Inbox("bob", 3);
  EXPECT_FALSE(fresh.expired);
  EXPECT_EQ(Messages(fresh, 3), (Entries{{kAB, 4}, {kAB, 5}}));
  EXPECT_FALSE(Inbox("bob", 5).expired) << "nothing after the cursor";
}

TEST_F(ClusterInboxTest, WritesTrimEntriesPastTheRetention) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  clock_.AdvanceMs(std::chrono::milliseconds(70min).count());
  SendNow(Chat("alice", kAB, "4", {"alice", "bob"}));  // trims 1..3
  clock_.AdvanceMs(-std::chrono::milliseconds(2h).count());  // nothing is old any more
  EXPECT_TRUE(Inbox("bob", 0).expired) << "entries 1..3 were deleted";
  EXPECT_EQ(Messages(Inbox("bob", 3), 3), (Entries{{kAB, 4}}));
}

}  // namespace
}  // namespace parley::store::testing
