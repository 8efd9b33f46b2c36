// Store conformance, inbox (write diffusion): who gets entries, the fanout
// threshold, paging, inbox_seq across reopen, retries, expiry. How expired
// entries are deleted differs (RocksStore sweeps in the writer, the cluster
// store trims on write): each backend tests its own.

#include <chrono>
#include <string>

#include "unit/store_conformance/store_conformance.h"

namespace parley::store::testing {
namespace {

using core::AppendResult;
using core::GroupOp;
using core::InboxPage;
using namespace std::chrono_literals;

TEST_P(StoreInboxTest, PrivateMessagesGoToBothInboxes) {
  AppendResult first = SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  SendNow(Chat("bob", kAB, "m2", {"alice", "bob"}));
  EXPECT_TRUE(first.inboxed);

  for (const char* user : {"alice", "bob"}) {
    InboxPage page = Inbox(user, 0);
    EXPECT_EQ(page.latest_inbox_seq, 2);
    EXPECT_FALSE(page.expired);
    EXPECT_FALSE(page.has_more);
    EXPECT_EQ(InboxMessages(page, 0), (Entries{{kAB, 1}, {kAB, 2}})) << user;
    ASSERT_EQ(page.entries.size(), 2u);
    EXPECT_EQ(page.entries[0].message_json, *first.message_json);
  }
  InboxPage nobody = Inbox("carol", 0);
  EXPECT_TRUE(nobody.entries.empty());
  EXPECT_EQ(nobody.latest_inbox_seq, 0);
  EXPECT_FALSE(nobody.expired);
}

TEST_P(StoreInboxTest, FanoutThresholdDecidesPerMessage) {
  options_.fanout_threshold = 3;
  Reopen();
  EXPECT_TRUE(
      SendNow(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}))).inboxed);
  EXPECT_FALSE(SendNow(Change(GroupOp::kJoin, "g", "dave", "j1")).inboxed);   // 4 members
  EXPECT_FALSE(SendNow(Chat("bob", kG, "m1")).inboxed);                       // 4 members
  EXPECT_FALSE(SendNow(Change(GroupOp::kLeave, "g", "dave", "l1")).inboxed);  // 3 + dave
  EXPECT_TRUE(SendNow(Chat("carol", kG, "m2")).inboxed);                      // 3 members
  SendNow(Chat("alice", kAB, "p1", {"alice", "bob"}));

  EXPECT_EQ(InboxMessages(Inbox("alice", 0), 0), (Entries{{kG, 1}, {kG, 5}, {kAB, 1}}));
  EXPECT_EQ(InboxMessages(Inbox("carol", 0), 0), (Entries{{kG, 1}, {kG, 5}}));
  EXPECT_TRUE(Inbox("dave", 0).entries.empty());
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
}

TEST_P(StoreInboxTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));

  InboxPage page = Inbox("bob", 0, 2);
  EXPECT_EQ(InboxMessages(page, 0), (Entries{{kAB, 1}, {kAB, 2}}));
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", 2, 2);
  EXPECT_EQ(InboxMessages(page, 2), (Entries{{kAB, 3}, {kAB, 4}}));
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", 4, 2);
  EXPECT_EQ(InboxMessages(page, 4), (Entries{{kAB, 5}}));
  EXPECT_FALSE(page.has_more);
  page = Inbox("bob", 5, 2);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(page.latest_inbox_seq, 5);
  page = Inbox("bob", 1, 0);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", -3, 1);  // a negative cursor is the start
  EXPECT_EQ(InboxMessages(page, 0), (Entries{{kAB, 1}}));
}

TEST_P(StoreInboxTest, InboxSeqContinuesAfterReopen) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  Reopen();
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
  SendNow(Chat("bob", kAB, "4", {"alice", "bob"}));
  InboxPage page = Inbox("alice", 3);
  EXPECT_EQ(InboxMessages(page, 3), (Entries{{kAB, 4}}));
  EXPECT_EQ(page.latest_inbox_seq, 4);
}

TEST_P(StoreInboxTest, RetryAddsNoEntry) {
  SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  AppendResult retry = SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 1);
}

TEST_P(StoreInboxTest, CursorOlderThanTheRetentionIsExpired) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  clock().AdvanceMs(std::chrono::milliseconds(30min).count());
  for (int i = 4; i <= 5; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  EXPECT_FALSE(Inbox("bob", 0).expired);

  clock().AdvanceMs(std::chrono::milliseconds(45min).count());  // 1..3 are 75 min old
  InboxPage stale = Inbox("bob", 0);
  EXPECT_TRUE(stale.expired);
  EXPECT_EQ(stale.expired_reason, core::ExpiredReason::kRetention);
  EXPECT_TRUE(stale.entries.empty());
  EXPECT_EQ(stale.latest_inbox_seq, 5);
  InboxPage fresh = Inbox("bob", 3);
  EXPECT_FALSE(fresh.expired);
  EXPECT_EQ(InboxMessages(fresh, 3), (Entries{{kAB, 4}, {kAB, 5}}));
  EXPECT_FALSE(Inbox("bob", 5).expired) << "nothing after the cursor";
  EXPECT_FALSE(Inbox("carol", 0).expired) << "a user without inbox";
}

// A new device's first SYNC (from 0) on a fresh store, whatever kind of
// message came first: never "expired", and the inbox starts at inbox_seq 1.
// (The cluster store once seeded its inbox floor from the clock when a big
// group's messages were in MySQL before any inboxed one.)
TEST_P(StoreInboxTest, FirstSyncAfterAPrivateFirstMessage) {
  SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  InboxPage page = Inbox("bob", 0);
  EXPECT_FALSE(page.expired);
  EXPECT_EQ(page.latest_inbox_seq, 1);
  EXPECT_EQ(InboxMessages(page, 0), (Entries{{kAB, 1}}));
}

TEST_P(StoreInboxTest, FirstSyncAfterASmallGroupFirstMessage) {
  SendNow(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  SendNow(Chat("alice", kG, "m1"));
  for (const char* user : {"alice", "bob"}) {
    InboxPage page = Inbox(user, 0);
    EXPECT_FALSE(page.expired) << user;
    EXPECT_EQ(InboxMessages(page, 0), (Entries{{kG, 1}, {kG, 2}})) << user;
  }
}

TEST_P(StoreInboxTest, FirstSyncAfterABigGroupFirstMessage) {
  options_.fanout_threshold = 2;
  Reopen();
  EXPECT_FALSE(SendNow(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"})).inboxed);
  EXPECT_FALSE(SendNow(Chat("bob", kG, "m1")).inboxed);
  InboxPage none = Inbox("bob", 0);
  EXPECT_FALSE(none.expired);
  EXPECT_TRUE(none.entries.empty());
  EXPECT_EQ(none.latest_inbox_seq, 0);

  // The first inboxed message after them starts every inbox at 1.
  SendNow(Chat("alice", kAB, "p1", {"alice", "bob"}));
  for (const char* user : {"alice", "bob"}) {
    InboxPage page = Inbox(user, 0);
    EXPECT_FALSE(page.expired) << user;
    EXPECT_EQ(page.latest_inbox_seq, 1) << user;
    EXPECT_EQ(InboxMessages(page, 0), (Entries{{kAB, 1}})) << user;
  }
  EXPECT_FALSE(Inbox("carol", 0).expired);
}

TEST_P(StoreInboxTest, FirstSyncAfterAGroupCreationOnly) {
  SendNow(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  for (const char* user : {"alice", "bob", "carol"}) {
    InboxPage page = Inbox(user, 0);
    EXPECT_FALSE(page.expired) << user;
    EXPECT_EQ(InboxMessages(page, 0), (Entries{{kG, 1}})) << user;
  }
}

}  // namespace
}  // namespace parley::store::testing
