// RedisMysqlStore when its backends fail: Redis losing its data, Redis or
// MySQL dying and coming back, and holes left by failed appends.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "mysql/session.h"
#include "redis/client.h"
#include "unit/store_cluster/cluster_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::GroupOp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class ClusterFailureTest : public ClusterStoreTest {
 protected:
  void RedisCommand(redis::Args args) {
    auto client = Run(redis::Client::Connect(caller_.executor(), redis_->host(), redis_->port(), {}));
    ASSERT_TRUE(client);
    auto reply = Run((*client)->Command(std::move(args)));
    EXPECT_TRUE(reply);
    (*client)->Close();
  }
  // Sends until the store answers (it reconnects in the background).
  core::AppendResult SendEventually(core::AppendRequest request) {
    return SendEventually(*store_, std::move(request));
  }
  core::AppendResult SendEventually(RedisMysqlStore& store, core::AppendRequest request) {
    const auto deadline = Clock::now() + 15s;
    for (;;) {
      auto r = Run(store.Append(request));
      if (r || Clock::now() > deadline) return r.value();
      std::this_thread::sleep_for(50ms);
    }
  }
  // Every timeline row of `conv` as (seq, status), holes (status 1) included.
  std::vector<std::pair<std::int64_t, std::int64_t>> Rows(const std::string& conv) {
    mysql::Session sql(options_.mysql);
    EXPECT_TRUE(sql.EnsureConnected());
    auto r = sql.Execute(
        "SELECT seq, status FROM timeline_message WHERE conversation_id = ? ORDER BY seq", {conv});
    EXPECT_TRUE(r);
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    if (!r) return out;
    for (const auto& row : r->rows) {
      out.emplace_back(std::stoll(std::string(*row[0])), std::stoll(std::string(*row[1])));
    }
    return out;
  }
  using RowList = std::vector<std::pair<std::int64_t, std::int64_t>>;
};

TEST_F(ClusterFailureTest, RedisLosingItsDataNeverRepeatsASeq) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  for (int i = 1; i <= 3; ++i) Send(Chat("alice", kAB, "a" + std::to_string(i), {"alice", "bob"}));
  Send(Chat("bob", kG, "g1"));
  // Lets the background "committed" writes land before the flush, which must
  // leave Redis empty.
  ASSERT_TRUE(WaitUntilCommitted({"im:msgid:alice:c1", "im:msgid:alice:a1", "im:msgid:alice:a2",
                                  "im:msgid:alice:a3", "im:msgid:bob:g1"}));
  RedisCommand({"FLUSHALL"});

  EXPECT_EQ(Send(Chat("bob", kAB, "a4", {"alice", "bob"})).seq, 4);
  auto group_message = Send(Chat("alice", kG, "g2"));
  EXPECT_EQ(group_message.seq, 3);
  EXPECT_EQ(*group_message.recipients, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Try(Chat("carol", kG, "g3")), base::Code::kForbidden) << "membership re-seeded";
  auto retry = Send(Chat("alice", kAB, "a2", {"alice", "bob"}));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 2);
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2, 3, 4}));

  // Inbox: a cursor from before the loss reads as expired, never as "nothing new".
  auto page = Run(store_->ReadInbox("bob", 4, 10)).value();
  EXPECT_TRUE(page.expired);
  EXPECT_EQ(page.expired_reason, core::ExpiredReason::kReset);
  EXPECT_GT(page.latest_inbox_seq, 4);
  // Since the loss: a4, g2, and the retry of a2 (a duplicate found at
  // commit: its entry points at a hole row, read as a marker).
  auto fresh = Run(store_->ReadInbox("bob", page.latest_inbox_seq - 3, 10)).value();
  EXPECT_EQ(InboxMessages(fresh, page.latest_inbox_seq - 3),
            (Entries{{kAB, 4}, {kG, 3}, {kAB, 5}}));
  ASSERT_EQ(fresh.entries.size(), 3u);
  EXPECT_FALSE(IsHole(fresh.entries[1].message_json));
  EXPECT_TRUE(IsHole(fresh.entries[2].message_json));
  EXPECT_FALSE(fresh.has_more);
  EXPECT_EQ(Holes(kAB), (std::vector<std::int64_t>{5}));
}

// Above any inbox_seq handed out before (the floor restarts at the clock in
// µs), also when a big group's messages were the first ones.
constexpr std::int64_t kClockFloor = 1'000'000'000'000'000;

TEST_F(ClusterFailureTest, RedisLosingItsDataAfterReadDiffusionFirstRestartsInboxesHigh) {
  options_.fanout_threshold = 2;
  Reopen();
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));  // not inboxed
  Send(Chat("bob", kG, "g1"));
  Send(Chat("alice", kAB, "a1", {"alice", "bob"}));
  EXPECT_EQ(Run(store_->ReadInbox("bob", 0, 10)).value().latest_inbox_seq, 1);
  ASSERT_TRUE(WaitUntilCommitted({"im:msgid:alice:c1", "im:msgid:bob:g1", "im:msgid:alice:a1"}));
  RedisCommand({"FLUSHALL"});

  Send(Chat("alice", kAB, "a2", {"alice", "bob"}));
  auto page = Run(store_->ReadInbox("bob", 1, 10)).value();
  EXPECT_TRUE(page.expired) << "the device holding cursor 1 falls back";
  EXPECT_EQ(page.expired_reason, core::ExpiredReason::kReset);
  EXPECT_GT(page.latest_inbox_seq, kClockFloor);
}

TEST_F(ClusterFailureTest, GatewaysSeedingAFreshClusterTogetherStartInboxesAtOne) {
  RedisMysqlStore& second = Second();
  constexpr int kPairs = 8;
  std::vector<std::thread> senders;
  for (int i = 0; i < kPairs; ++i) {
    senders.emplace_back([&, i] {
      RedisMysqlStore& gateway = i % 2 == 0 ? *store_ : second;
      const std::string a = "a" + std::to_string(i);
      const std::string b = "b" + std::to_string(i);
      auto r = Run(gateway.Append(Chat(a, base::PrivateConversationId(a, b), "m", {a, b})));
      EXPECT_TRUE(r) << r.error().message;
    });
  }
  for (auto& t : senders) t.join();
  for (int i = 0; i < kPairs; ++i) {
    auto page = Run(store_->ReadInbox("b" + std::to_string(i), 0, 10)).value();
    EXPECT_FALSE(page.expired) << i;
    EXPECT_EQ(page.latest_inbox_seq, 1) << i;
    EXPECT_EQ(page.entries.size(), 1u) << i;
  }
}

TEST_F(ClusterFailureTest, AFloorClaimLeftByADeadGatewayOnlyDelaysSeeding) {
  RedisCommand({"SET", "im:inbox_floor_claim", "dead", "PX", "500"});
  const auto start = Clock::now();
  Send(Chat("alice", kAB, "a1", {"alice", "bob"}));
  EXPECT_GE(Clock::now() - start, 400ms) << "waited for the claim";
  auto page = Run(store_->ReadInbox("bob", 0, 10)).value();
  EXPECT_FALSE(page.expired);
  EXPECT_EQ(page.latest_inbox_seq, 1) << "the dead gateway recorded nothing in MySQL";
}

TEST_F(ClusterFailureTest, ADatabaseFromAnOlderVersionRecordsThatRedisHeldInboxes) {
  Send(Chat("alice", kAB, "a1", {"alice", "bob"}));
  ASSERT_TRUE(WaitUntilCommitted({"im:msgid:alice:a1"}));
  {
    // As an older version left it: a floor in Redis, nothing in cluster_state.
    mysql::Session sql(options_.mysql);
    ASSERT_TRUE(sql.EnsureConnected());
    ASSERT_TRUE(sql.Execute("DELETE FROM cluster_state"));
  }
  Reopen();
  RedisCommand({"FLUSHALL"});
  Send(Chat("alice", kAB, "a2", {"alice", "bob"}));
  auto page = Run(store_->ReadInbox("bob", 1, 10)).value();
  EXPECT_TRUE(page.expired);
  EXPECT_GT(page.latest_inbox_seq, kClockFloor);
}

TEST_F(ClusterFailureTest, RedisDownAnswers503QuicklyAndRecovers) {
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  redis_->Kill9();
  const auto start = Clock::now();
  EXPECT_EQ(Try(Chat("alice", kAB, "m2", {"alice", "bob"})), base::Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, 1500ms);
  EXPECT_FALSE(store_->Healthy());
  EXPECT_EQ(Run(store_->ReadAfter(kAB, 0, 10)).value().messages.size(), 1u) << "MySQL still reads";

  redis_->Restart();
  EXPECT_EQ(SendEventually(Chat("alice", kAB, "m2", {"alice", "bob"})).seq, 2);
  EXPECT_TRUE(store_->Healthy());
}

TEST_F(ClusterFailureTest, MysqlDownAnswers503LeavesNothingAndRecovers) {
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  mysql_->Kill9();
  const auto start = Clock::now();
  EXPECT_EQ(Try(Chat("alice", kAB, "m2", {"alice", "bob"})), base::Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, 1500ms);
  // The retry during the outage is not told "stored" either.
  EXPECT_EQ(Try(Chat("alice", kAB, "m2", {"alice", "bob"})), base::Code::kUnavailable);

  mysql_->Restart();
  auto stored = SendEventually(Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_FALSE(stored.duplicate);
  EXPECT_EQ(stored.seq, 2) << "the retries kept the seq the first attempt reserved";
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2})) << "nothing half-written is visible";
  EXPECT_EQ(Rows(kAB), (RowList{{1, 0}, {2, 0}})) << "no hole";
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 2);
}

// Issue 11: a message whose commit failed keeps its seq; its retry commits
// there through any gateway, and the timeline stays dense.
TEST_F(ClusterFailureTest, RetryAfterMysqlOutageCommitsAtTheReservedSeqOnAnyGateway) {
  RedisMysqlStore& other = Second();
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  mysql_->Kill9();
  EXPECT_EQ(Try(Chat("alice", kAB, "m2", {"alice", "bob"})), base::Code::kUnavailable);
  EXPECT_EQ(Try(Chat("bob", kAB, "m3", {"alice", "bob"})), base::Code::kUnavailable);
  auto during = Run(other.Append(Chat("alice", kAB, "m2", {"alice", "bob"})));
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().code, base::Code::kUnavailable);
  mysql_->Restart();

  // m2 retried through the other gateway, m3 through the first, in reverse order.
  auto m3 = SendEventually(Chat("bob", kAB, "m3", {"alice", "bob"}));
  EXPECT_EQ(m3.seq, 3);
  EXPECT_FALSE(m3.duplicate);
  auto m2 = SendEventually(other, Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_EQ(m2.seq, 2);
  EXPECT_FALSE(m2.duplicate);
  EXPECT_EQ(*m2.recipients, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Send(Chat("alice", kAB, "m4", {"alice", "bob"})).seq, 4);
  auto again = Send(Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, 2);

  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Rows(kAB), (RowList{{1, 0}, {2, 0}, {3, 0}, {4, 0}})) << "dense, no hole row";
}

// A group message's retry after an outage, with its recipients.
TEST_F(ClusterFailureTest, GroupRetryAfterMysqlOutageKeepsItsSeq) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  mysql_->Kill9();
  EXPECT_EQ(Try(Chat("bob", kG, "g1")), base::Code::kUnavailable);
  mysql_->Restart();
  auto g1 = SendEventually(Chat("bob", kG, "g1"));
  EXPECT_EQ(g1.seq, 2);
  EXPECT_FALSE(g1.duplicate);
  EXPECT_EQ(*g1.recipients, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Rows(kG), (RowList{{1, 0}, {2, 0}}));
}

// The retries of a message whose gateway died after reserving its seq (its
// pending entry is all that is left), on two gateways at once: one commits,
// the other answers the same seq as a duplicate, at once (no 15 s wait).
TEST_F(ClusterFailureTest, ConcurrentRetriesOfAnOrphanedAppendCommitOnce) {
  RedisMysqlStore& other = Second();
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  RedisCommand({"INCR", "im:seq:" + kAB});
  RedisCommand({"SET", "im:msgid:alice:m2", "P|2|" + kAB, "PX", "15000"});
  base::Result<core::AppendResult> results[2];
  std::thread first([&] { results[0] = Run(store_->Append(Chat("alice", kAB, "m2", {"alice", "bob"}))); });
  std::thread second([&] { results[1] = Run(other.Append(Chat("alice", kAB, "m2", {"alice", "bob"}))); });
  first.join();
  second.join();
  ASSERT_TRUE(results[0]) << results[0].error().message;
  ASSERT_TRUE(results[1]) << results[1].error().message;
  EXPECT_EQ(results[0]->seq, 2);
  EXPECT_EQ(results[1]->seq, 2);
  EXPECT_EQ(results[0]->duplicate + results[1]->duplicate, 1) << "one stored, one duplicate";
  EXPECT_EQ(Send(Chat("bob", kAB, "m3", {"alice", "bob"})).seq, 3);
  EXPECT_EQ(Rows(kAB), (RowList{{1, 0}, {2, 0}, {3, 0}}));
}

// A retry that comes when readers may have skipped its seq (the row above is
// older than half the hole timeout) gives the seq up: a hole row, a new seq.
TEST_F(ClusterFailureTest, RetryTooLateForItsReservedSeqTakesANewOne) {
  options_.hole_timeout = 200ms;
  Reopen();
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  RedisCommand({"INCR", "im:seq:" + kAB});
  RedisCommand({"SET", "im:msgid:alice:m2", "P|2|" + kAB, "PX", "15000"});
  Send(Chat("bob", kAB, "m3", {"alice", "bob"}));
  std::this_thread::sleep_for(150ms);  // > hole_timeout / 2
  auto m2 = Send(Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_FALSE(m2.duplicate);
  EXPECT_EQ(m2.seq, 4);
  EXPECT_EQ(Rows(kAB), (RowList{{1, 0}, {2, 1}, {3, 0}, {4, 0}}));
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 3, 4}));
  EXPECT_EQ(Holes(kAB), (std::vector<std::int64_t>{2}));
  auto again = Send(Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, 4);
}

// A reused msg_id with other content, while the first attempt's seq is
// reserved: the first one to commit is the message; the other is its
// duplicate (the core answers that 409).
TEST_F(ClusterFailureTest, ReclaimedSeqHoldsOneMessageOnly) {
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  RedisCommand({"INCR", "im:seq:" + kAB});
  RedisCommand({"SET", "im:msgid:alice:m2", "P|2|" + kAB, "PX", "15000"});
  auto retry = Chat("alice", kAB, "m2", {"alice", "bob"});
  retry.message.content = "second thoughts";
  auto stored = Send(retry);
  EXPECT_EQ(stored.seq, 2);
  EXPECT_FALSE(stored.duplicate);
  auto other = Send(Chat("alice", kAB, "m2", {"alice", "bob"}));
  EXPECT_TRUE(other.duplicate);
  EXPECT_NE(other.message_json->find("second thoughts"), std::string::npos);
}

TEST_F(ClusterFailureTest, ReadersStopBeforeAYoungHole) {
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  RedisCommand({"INCR", "im:seq:" + kAB});  // seq 2 assigned, its append still "committing"
  Send(Chat("alice", kAB, "m3", {"alice", "bob"}));
  auto page = Run(store_->ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 1u) << "seq 3 waits for seq 2";
  EXPECT_TRUE(page.has_more);
  page = Run(store_->ReadAfter(kAB, 1, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_TRUE(page.has_more);
  auto history = Run(store_->ReadBefore(kAB, 0, 10)).value();
  ASSERT_EQ(history.messages.size(), 1u);
  EXPECT_EQ(SeqOf(history.messages[0]), 1);

  options_.hole_timeout = 0ms;  // the hole has been there long enough
  Reopen();
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(Holes(kAB), (std::vector<std::int64_t>{2}));
  history = Run(store_->ReadBefore(kAB, 0, 10)).value();
  ASSERT_EQ(history.messages.size(), 3u) << "newest first, the marker in its place";
  EXPECT_EQ(SeqOf(history.messages[1]), 2);
  EXPECT_TRUE(IsHole(history.messages[1]));
  EXPECT_FALSE(history.has_more);
  // A marker counts in the page's limit and moves the cursor on.
  page = Run(store_->ReadAfter(kAB, 1, 1)).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_TRUE(IsHole(page.messages[0]));
  EXPECT_TRUE(page.has_more);
  history = Run(store_->ReadBefore(kAB, 3, 1)).value();
  ASSERT_EQ(history.messages.size(), 1u);
  EXPECT_TRUE(IsHole(history.messages[0]));
  EXPECT_TRUE(history.has_more);
}

// A message whose commit failed and that nobody retried (its gateway died,
// or the client gave up): once a later message is older than the hole
// timeout, every reader gets a marker at its seq — PULL, HISTORY and the
// inbox entry written when the seq was reserved.
TEST_F(ClusterFailureTest, ANeverRetriedMessageLeavesAMarkerForEveryReader) {
  options_.hole_timeout = 300ms;
  Reopen();
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  mysql_->Kill9();
  EXPECT_EQ(Try(Chat("alice", kAB, "m2", {"alice", "bob"})), base::Code::kUnavailable);
  mysql_->Restart();
  EXPECT_EQ(SendEventually(Chat("bob", kAB, "m3", {"alice", "bob"})).seq, 3);
  std::this_thread::sleep_for(400ms);  // the timeline dates a gap by its rows' commit
  clock().AdvanceMs(400);              // the inbox by the messages' send_time

  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(Holes(kAB), (std::vector<std::int64_t>{2}));
  auto history = Run(store_->ReadBefore(kAB, 0, 10)).value();
  ASSERT_EQ(history.messages.size(), 3u);
  EXPECT_TRUE(IsHole(history.messages[1]));
  auto inbox = Run(store_->ReadInbox("bob", 0, 10)).value();
  EXPECT_EQ(InboxMessages(inbox, 0), (Entries{{kAB, 1}, {kAB, 2}, {kAB, 3}}));
  ASSERT_EQ(inbox.entries.size(), 3u);
  EXPECT_TRUE(IsHole(inbox.entries[1].message_json));
  EXPECT_FALSE(inbox.has_more);
}

// What a gateway that died after its change script and before the change's
// MySQL commit leaves in Redis: carol added to Redis's copy of group g at
// seq 2, the change named in the pending-change key, the lock expired.
class DeadChangeTest : public ClusterFailureTest {
 protected:
  void SetUp() override {
    ClusterFailureTest::SetUp();
    Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
    RedisCommand({"INCR", "im:seq:" + kG});
    RedisCommand({"HSET", "im:group:g", "token", "dead-gateway"});
    RedisCommand({"HSET", "im:members:g", "carol", "1"});
    RedisCommand({"SET", "im:msgid:alice:c2", "P|2|" + kG, "PX", "15000"});
    RedisCommand({"SET", "im:change:group:g", "2|im:msgid:alice:c2"});
  }
};

// The next message settles it: carol was never added (MySQL has no row),
// so she gets nothing, and seq 2 reads as a hole.
TEST_F(DeadChangeTest, TheNextMessageSettlesItAndItsMembersAreMySqls) {
  auto message = Send(Chat("bob", kG, "g1"));
  EXPECT_EQ(message.seq, 3);
  EXPECT_EQ(*message.recipients, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Rows(kG), (RowList{{1, 0}, {2, 1}, {3, 0}}));
  EXPECT_EQ(Holes(kG), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(Try(Chat("carol", kG, "c")), base::Code::kForbidden);
}

// The change's retry (same msg_id, another gateway) is not told "pending"
// until the entry expires: it settles the dead attempt and is applied
// afresh, at a new seq.
TEST_F(DeadChangeTest, ItsRetryIsAppliedAfreshAtOnce) {
  const auto start = Clock::now();
  auto retry = Run(Second().Append(Change(GroupOp::kInvite, "g", "alice", "c2", {"carol"})));
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_FALSE(retry->duplicate);
  EXPECT_EQ(retry->seq, 3);
  EXPECT_EQ(Rows(kG), (RowList{{1, 0}, {2, 1}, {3, 0}}));
  auto message = Send(Chat("carol", kG, "c"));
  EXPECT_EQ(*message.recipients, (std::vector<std::string>{"alice", "bob", "carol"}));
  auto again = Send(Change(GroupOp::kInvite, "g", "alice", "c2", {"carol"}));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, 3);
}

// A change that did commit before its gateway died keeps its effect: the
// settling only clears the key.
TEST_F(ClusterFailureTest, ACommittedChangeLeftPendingKeepsItsEffect) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  Send(Change(GroupOp::kInvite, "g", "alice", "c2", {"carol"}));
  RedisCommand({"SET", "im:change:group:g", "2|im:msgid:alice:c2"});
  auto message = Send(Chat("bob", kG, "g1"));
  EXPECT_EQ(message.seq, 3);
  EXPECT_EQ(*message.recipients, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(Rows(kG), (RowList{{1, 0}, {2, 0}, {3, 0}}));
  EXPECT_TRUE(Holes(kG).empty());
}

// A change whose commit failed is undone in Redis at once: the next message
// goes to the members MySQL has.
TEST_F(ClusterFailureTest, AChangeWhoseCommitFailedIsUndone) {
  options_.hole_timeout = 300ms;
  Reopen();
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  mysql_->Kill9();
  EXPECT_EQ(Try(Change(GroupOp::kInvite, "g", "alice", "c2", {"carol"})),
            base::Code::kUnavailable);
  mysql_->Restart();
  auto message = SendEventually(Chat("bob", kG, "g1"));
  EXPECT_EQ(*message.recipients, (std::vector<std::string>{"alice", "bob"}));
  auto retry = SendEventually(Change(GroupOp::kInvite, "g", "alice", "c2", {"carol"}));
  EXPECT_FALSE(retry.duplicate);
  EXPECT_EQ(retry.seq, 4);
  std::this_thread::sleep_for(400ms);  // the failed change's seq is certain to stay empty
  EXPECT_EQ(Holes(kG), (std::vector<std::int64_t>{2}));
}

}  // namespace
}  // namespace parley::store::testing
