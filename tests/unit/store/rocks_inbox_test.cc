// RocksStore-only inbox behaviour: a batch's entries for a user share one
// row (a run, inbox_run.h) and read back one by one; rows of older versions
// still read; expired entries are deleted by the writer's sweep steps (the
// cluster store trims on write instead: cluster_inbox_test.cc), and the
// sweeper's bounded steps. Who gets entries,
// paging and expiry are in the conformance suite
// (store_conformance/store_inbox_test.cc).

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <string>
#include <vector>

#include "store/rocks/inbox_run.h"
#include "store/rocks/inbox_sweeper.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendResult;
using core::InboxPage;
using namespace std::chrono_literals;

class RocksInboxTest : public RocksStoreTest {
 protected:
  void SetUp() override {
    options_.inbox_retention = 1h;
    RocksStoreTest::SetUp();
  }

  // A message stamped with the fake clock's time, as the core stamps it.
  AppendResult SendNow(core::AppendRequest request) {
    return Send(At(std::move(request), clock_.NowMs()));
  }
  InboxPage Inbox(const std::string& user, std::int64_t after, std::size_t limit = 100) {
    return RunSync(store_->ReadInbox(user, after, limit)).value();
  }
  // Every batch is followed by a sweep step when one is due, and the writer
  // takes the next batch only after it: once a second append completes, the
  // step after the first has run.
  void LetTheWriterSweep() {
    SendNow(Chat("zed", "private_yan:zed", "sweep" + std::to_string(++sweeps_)));
    SendNow(Chat("zed", "private_yan:zed", "sweep" + std::to_string(++sweeps_)));
  }

  // Appends `requests` (stamped now) in one batch: queued while the writer
  // is paused. Each must succeed.
  void SendInOneBatch(const std::vector<core::AppendRequest>& requests) {
    const auto batches_before = metrics_.store_batches_total.load();
    asio::io_context io;
    std::size_t done = 0;
    {
      auto pause = store_->PauseWriterForTest();
      for (const auto& request : requests) {
        asio::co_spawn(io, store_->Append(At(request, clock_.NowMs())),
                       [&](std::exception_ptr e, base::Result<AppendResult> r) {
                         EXPECT_FALSE(e);
                         EXPECT_TRUE(r.has_value());
                         ++done;
                       });
      }
      io.poll();
    }
    io.run();
    ASSERT_EQ(done, requests.size());
    EXPECT_EQ(metrics_.store_batches_total.load(), batches_before + 1);
  }

  // Closes the store, runs `fn` on its RocksDb, and opens the store again.
  template <class Fn>
  void WithStoreClosed(Fn fn) {
    store_.reset();
    {
      auto db = RocksDb::Open(options_);
      fn(*db);
    }
    Reopen();
  }

  int sweeps_ = 0;
};

TEST_F(RocksInboxTest, OneBatchGivesEachUserOneRunReadEntryByEntry) {
  const std::string kAC = "private_alice:carol";
  std::vector<core::AppendRequest> requests;
  for (int i = 1; i <= 5; ++i) {
    requests.push_back(i % 2 ? Chat("alice", kAB, std::to_string(i), {"alice", "bob"})
                             : Chat("alice", kAC, std::to_string(i), {"alice", "carol"}));
  }
  SendInOneBatch(requests);
  WithStoreClosed([](RocksDb& db) {
    std::unique_ptr<rocksdb::Iterator> it(
        db.db().NewIterator(rocksdb::ReadOptions(), db.cf(Cf::kInbox)));
    int rows = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
    EXPECT_EQ(rows, 3) << "one run each for alice, bob and carol";
  });

  const Entries all = {{kAB, 1}, {kAC, 1}, {kAB, 2}, {kAC, 2}, {kAB, 3}};
  EXPECT_EQ(InboxMessages(Inbox("alice", 0), 0), all);
  EXPECT_EQ(InboxMessages(Inbox("bob", 0), 0), (Entries{{kAB, 1}, {kAB, 2}, {kAB, 3}}));
  // Pages start and end inside the run.
  InboxPage page = Inbox("alice", 1, 2);
  EXPECT_EQ(InboxMessages(page, 1), (Entries{{kAC, 1}, {kAB, 2}}));
  EXPECT_TRUE(page.has_more);
  page = Inbox("alice", 3, 2);
  EXPECT_EQ(InboxMessages(page, 3), (Entries{{kAC, 2}, {kAB, 3}}));
  EXPECT_FALSE(page.has_more);
  EXPECT_TRUE(Inbox("alice", 5).entries.empty());

  // The next batch starts a new run right after.
  SendNow(Chat("bob", kAB, "6", {"alice", "bob"}));
  EXPECT_EQ(InboxMessages(Inbox("alice", 4), 4), (Entries{{kAB, 3}, {kAB, 4}}));
}

// Messages to one group share its member list; a private message between
// them must not be staged to the group's members.
TEST_F(RocksInboxTest, GroupMessagesInOneBatchReachEachMemberOnce) {
  SendNow(Change(core::GroupOp::kCreate, "g", "alice", "create", {"bob", "carol"}));
  SendInOneBatch({Chat("alice", kG, "g1"), Chat("bob", kG, "g2"),
                  Chat("alice", kAB, "p1", {"alice", "bob"}), Chat("carol", kG, "g3")});
  // Inbox 1 is the group's creation message.
  EXPECT_EQ(InboxMessages(Inbox("alice", 1), 1), (Entries{{kG, 2}, {kG, 3}, {kAB, 1}, {kG, 4}}));
  EXPECT_EQ(InboxMessages(Inbox("bob", 1), 1), (Entries{{kG, 2}, {kG, 3}, {kAB, 1}, {kG, 4}}));
  EXPECT_EQ(InboxMessages(Inbox("carol", 1), 1), (Entries{{kG, 2}, {kG, 3}, {kG, 4}}));
}

// Rows written before runs existed hold one entry each under its own inbox_seq.
TEST_F(RocksInboxTest, ReadsRowsOfOlderVersions) {
  SendNow(Chat("alice", kAB, "1", {"alice", "bob"}));
  SendNow(Chat("alice", kAB, "2", {"alice", "bob"}));
  WithStoreClosed([&](RocksDb& db) {  // rewrites bob's rows the old way
    rocksdb::WriteBatch batch;
    for (std::int64_t i = 1; i <= 2; ++i) {
      batch.Put(db.cf(Cf::kInbox), keys::InboxKey("bob", i),
                keys::EncodeU64(static_cast<std::uint64_t>(i)) +
                    keys::EncodeU64(static_cast<std::uint64_t>(clock_.NowMs())) + kAB);
    }
    ASSERT_TRUE(db.db().Write(rocksdb::WriteOptions(), &batch).ok());
  });
  SendNow(Chat("alice", kAB, "3", {"alice", "bob"}));
  EXPECT_EQ(InboxMessages(Inbox("bob", 0), 0), (Entries{{kAB, 1}, {kAB, 2}, {kAB, 3}}));
  EXPECT_EQ(InboxMessages(Inbox("bob", 1, 1), 1), (Entries{{kAB, 2}}));
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
    EXPECT_EQ(InboxMessages(kept, 3), (Entries{{kAB, 4}})) << user;
  }
}

// A user's newest inbox_seq is the key of its last run: when the sweeper
// deletes that run, the counter must survive it (and a restart).
TEST_F(RocksInboxTest, SweepingEveryRunOfAUserKeepsItsCounter) {
  for (int i = 1; i <= 3; ++i) SendNow(Chat("alice", kAB, std::to_string(i), {"alice", "bob"}));
  clock_.AdvanceMs(std::chrono::milliseconds(2h).count());
  LetTheWriterSweep();  // zed and yan only: alice and bob have nothing left
  EXPECT_TRUE(Inbox("bob", 0).expired);
  Reopen();
  EXPECT_EQ(Inbox("bob", 0).latest_inbox_seq, 3);
  SendNow(Chat("alice", kAB, "4", {"alice", "bob"}));
  const InboxPage page = Inbox("bob", 3);
  EXPECT_FALSE(page.expired);
  EXPECT_EQ(InboxMessages(page, 3), (Entries{{kAB, 4}}));
  EXPECT_EQ(page.latest_inbox_seq, 4);
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
        InboxRunBuilder run(i);
        run.Add(kAB, i, live ? clock.NowMs() : old_time);
        batch.Put(db->cf(Cf::kInbox), keys::InboxKey(user, i), run.Value());
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
