// RocksStore inbox (write diffusion): who gets entries, the fanout
// threshold, paging, recovery of inbox_seq, expiry and sweeping.

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <string>
#include <vector>

#include "store/rocks/inbox_sweeper.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendResult;
using core::GroupOp;
using core::InboxPage;
using namespace std::chrono_literals;

const std::string kAB = "private_alice_bob";
const std::string kG = base::GroupConversationId("g");

class RocksInboxTest : public RocksStoreTest {
 protected:
  void SetUp() override {
    options_.clock = &clock_;
    options_.inbox_retention = 1h;
    RocksStoreTest::SetUp();
  }

  // A message stamped with the fake clock's time, as the core stamps it.
  AppendResult SendNow(core::AppendRequest request) {
    request.message.send_time = clock_.NowMs();
    return Send(std::move(request));
  }
  InboxPage Inbox(const std::string& user, std::int64_t after, std::size_t limit = 100) {
    return RunSync(store_->ReadInbox(user, after, limit)).value();
  }
  // The (conversation, seq) of each entry, checking inbox_seqs run on from `after`.
  std::vector<std::pair<std::string, std::int64_t>> Messages(const InboxPage& page,
                                                             std::int64_t after) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& entry : page.entries) {
      EXPECT_EQ(entry.inbox_seq, ++after);
      auto m = protocol::ParseMessage(entry.message_json).value();
      out.emplace_back(m.conversation_id, m.seq);
    }
    return out;
  }
  // Every batch is followed by a sweep step when one is due, and the writer
  // takes the next batch only after it: once a second append completes, the
  // step after the first has run.
  void LetTheWriterSweep() {
    SendNow(Chat("zed", "private_yan_zed", "sweep" + std::to_string(++sweeps_)));
    SendNow(Chat("zed", "private_yan_zed", "sweep" + std::to_string(++sweeps_)));
  }

  base::FakeClock clock_;
  int sweeps_ = 0;
};

using Entries = std::vector<std::pair<std::string, std::int64_t>>;

TEST_F(RocksInboxTest, PrivateMessagesGoToBothInboxes) {
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

TEST_F(RocksInboxTest, FanoutThresholdDecidesPerMessage) {
  options_.fanout_threshold = 3;
  Reopen();
  EXPECT_TRUE(SendNow(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"})).inboxed);
  EXPECT_FALSE(SendNow(Change(GroupOp::kJoin, "g", "dave", "j1")).inboxed);   // 4 members
  EXPECT_FALSE(SendNow(Chat("bob", kG, "m1")).inboxed);                       // 4 members
  EXPECT_FALSE(SendNow(Change(GroupOp::kLeave, "g", "dave", "l1")).inboxed);  // 3 + dave
  EXPECT_TRUE(SendNow(Chat("carol", kG, "m2")).inboxed);                      // 3 members
  SendNow(Chat("alice", kAB, "p1", {"alice", "bob"}));

  EXPECT_EQ(Messages(Inbox("alice", 0), 0), (Entries{{kG, 1}, {kG, 5}, {kAB, 1}}));
  EXPECT_EQ(Messages(Inbox("carol", 0), 0), (Entries{{kG, 1}, {kG, 5}}));
  EXPECT_TRUE(Inbox("dave", 0).entries.empty());
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
}

TEST_F(RocksInboxTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));

  InboxPage page = Inbox("bob", 0, 2);
  EXPECT_EQ(Messages(page, 0), (Entries{{kAB, 1}, {kAB, 2}}));
  EXPECT_TRUE(page.has_more);
  page = Inbox("bob", 2, 2);
  EXPECT_EQ(Messages(page, 2), (Entries{{kAB, 3}, {kAB, 4}}));
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
  page = Inbox("bob", -3, 1);  // a negative cursor is the start
  EXPECT_EQ(Messages(page, 0), (Entries{{kAB, 1}}));
}

TEST_F(RocksInboxTest, InboxSeqContinuesAfterReopen) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  Reopen();
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
  SendNow(Chat("bob", kAB, "4", {"alice", "bob"}));
  InboxPage page = Inbox("alice", 3);
  EXPECT_EQ(Messages(page, 3), (Entries{{kAB, 4}}));
  EXPECT_EQ(page.latest_inbox_seq, 4);
}

TEST_F(RocksInboxTest, RetryAddsNoEntry) {
  SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  AppendResult retry = SendNow(Chat("alice", kAB, "m1", {"alice", "bob"}));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 1);
}

TEST_F(RocksInboxTest, CursorOlderThanTheRetentionIsExpired) {
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
  EXPECT_FALSE(Inbox("carol", 0).expired) << "a user without inbox";
}

TEST_F(RocksInboxTest, SweepingDeletesExpiredEntries) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  clock_.AdvanceMs(std::chrono::milliseconds(50min).count());
  SendNow(Chat("alice", kAB, "4", {"alice", "bob"}));
  clock_.AdvanceMs(std::chrono::milliseconds(20min).count());  // 1..3 expired, 4 live
  LetTheWriterSweep();

  // Turned back, the clock no longer expires anything: what is gone was deleted.
  clock_.AdvanceMs(-std::chrono::milliseconds(2h).count());
  for (const char* user : {"alice", "bob"}) {
    EXPECT_TRUE(Inbox(user, 0).expired) << user;
    EXPECT_TRUE(Inbox(user, 2).expired) << user;
    InboxPage kept = Inbox(user, 3);
    EXPECT_FALSE(kept.expired) << user;
    EXPECT_EQ(Messages(kept, 3), (Entries{{kAB, 4}})) << user;
  }
}

// The sweeper alone, on a RocksDb: its work per step is bounded and it
// resumes where it stopped.
TEST(InboxSweeperTest, ResumesAfterItsBound) {
  char tmpl[] = "/tmp/parley_sweeper_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  base::FakeClock clock;
  RocksOptions options;
  options.data_dir = tmpl;
  options.clock = &clock;
  options.inbox_retention = 1h;
  {
    auto db = RocksDb::Open(options);
    const std::int64_t old_time = clock.NowMs() - std::chrono::milliseconds(2h).count();
    const std::int64_t per_user = InboxSweeper::kMaxKeysPerStep;  // 3 users: more than 2 steps
    rocksdb::WriteBatch batch;
    for (const char* user : {"u1", "u2", "u3"}) {
      for (std::int64_t i = 1; i <= per_user + 1; ++i) {
        const bool live = i == per_user + 1;
        batch.Put(db->cf(Cf::kInbox), keys::InboxKey(user, i),
                  keys::EncodeInboxItem({kAB, i, live ? clock.NowMs() : old_time}));
      }
    }
    ASSERT_TRUE(db->db().Write(rocksdb::WriteOptions(), &batch).ok());

    InboxSweeper sweeper(*db, options);
    int steps = 1;
    while (sweeper.Step()) ++steps;
    EXPECT_EQ(steps, 4);  // 3 * (per_user + 1) keys examined, kMaxKeysPerStep per step
    EXPECT_FALSE(sweeper.Step()) << "not due again before the interval";

    std::unique_ptr<rocksdb::Iterator> it(
        db->db().NewIterator(rocksdb::ReadOptions(), db->cf(Cf::kInbox)));
    std::vector<std::string> left;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      left.emplace_back(keys::FirstIdOfKey(it->key().ToStringView()));
      EXPECT_EQ(keys::InboxSeqOfKey(it->key().ToStringView()), per_user + 1);
    }
    EXPECT_EQ(left, (std::vector<std::string>{"u1", "u2", "u3"}));
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace parley::store::testing
