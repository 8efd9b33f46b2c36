// RocksStore-only behaviour: the group-commit writer (retries and user
// creation inside one batch, its metrics, its bounded queue, draining on
// Close), many threads appending, the data dir lock. What every Store does is
// in the conformance suite (tests/unit/store_conformance/).

#include "store/rocks/rocks_store.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "protocol/message.h"
#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;

TEST_F(RocksStoreTest, RetryInTheSameBatchIsADuplicate) {
  asio::io_context io;
  std::vector<AppendResult> results;
  {
    auto pause = store_->PauseWriterForTest();
    for (const char* id : {"x", "m1", "y", "m1", "m1"}) {
      asio::co_spawn(io, store_->Append(Chat("alice", kAB, id)),
                     [&](std::exception_ptr e, base::Result<AppendResult> r) {
                       ASSERT_FALSE(e);
                       results.push_back(r.value());
                     });
    }
    io.poll();  // every Append is queued and waits for the writer
    ASSERT_TRUE(results.empty());
  }
  io.run();
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(metrics_.store_batches_total.load(), 1u);
  // Completions run in queue order: x=1, m1=2, y=3, then two duplicates of m1.
  EXPECT_EQ(results[1].seq, 2);
  EXPECT_FALSE(results[1].duplicate);
  for (int i : {3, 4}) {
    EXPECT_TRUE(results[i].duplicate);
    EXPECT_EQ(results[i].seq, 2);
    EXPECT_EQ(results[i].message_json, results[1].message_json);
  }
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 3);
}

TEST_F(RocksStoreTest, ConcurrentCreateUserHasOneWinner) {
  asio::io_context io;
  int created = 0;
  int conflicts = 0;
  {
    auto pause = store_->PauseWriterForTest();
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(
          io, store_->CreateUser(core::UserRecord{"dave", "h", i}),
          [&](std::exception_ptr, base::Result<void> r) { r ? ++created : ++conflicts; });
    }
    io.poll();
  }
  io.run();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 2);
}

TEST_F(RocksStoreTest, SecondOpenOfTheSameDirFailsNamingIt) {
  try {
    RocksStore::Open(options_, &metrics_);
    FAIL() << "a locked data dir opened twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(options_.data_dir), std::string::npos) << e.what();
  }
}

TEST_F(RocksStoreTest, ConcurrentAppendsGetDenseOrderedSeqs) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  const std::vector<std::string> convs = {"private_user0:user1", "private_user2:user3"};
  // results[t][i]: the seq of thread t's i-th append.
  std::vector<std::vector<std::int64_t>> results(kThreads, std::vector<std::int64_t>(kPerThread));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      asio::io_context io;
      const auto io_thread = std::this_thread::get_id();
      for (int i = 0; i < kPerThread; ++i) {
        AppendRequest request = Chat("user" + std::to_string(t), convs[i % 2], std::to_string(i),
                                     {"user0", "user1", "user2", "user3"});
        asio::co_spawn(io, store_->Append(std::move(request)),
                       [&, t, i, io_thread](std::exception_ptr, base::Result<AppendResult> r) {
                         // Resumed on the caller's io_context, not the writer thread.
                         EXPECT_EQ(std::this_thread::get_id(), io_thread);
                         results[t][i] = r ? r->seq : -1;
                       });
      }
      io.run();
    });
  }
  for (auto& thread : threads) thread.join();

  for (std::size_t c = 0; c < convs.size(); ++c) {
    std::set<std::int64_t> seqs;
    for (int t = 0; t < kThreads; ++t) {
      std::int64_t previous = 0;
      for (int i = static_cast<int>(c); i < kPerThread; i += 2) {
        seqs.insert(results[t][i]);
        EXPECT_GT(results[t][i], previous) << "one caller's appends keep their order";
        previous = results[t][i];
      }
    }
    const std::int64_t total = kThreads * kPerThread / 2;
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(total));
    EXPECT_EQ(*seqs.begin(), 1);
    EXPECT_EQ(*seqs.rbegin(), total);
    EXPECT_EQ(RunSync(store_->MaxSeq(convs[c])).value(), total);

    std::int64_t after = 0;
    for (bool more = true; more;) {
      auto page = RunSync(store_->ReadAfter(convs[c], after, 1000)).value();
      for (const auto& json : page.messages) EXPECT_EQ(SeqOf(json), ++after);
      more = page.has_more;
    }
    EXPECT_EQ(after, total);
  }
  EXPECT_LT(metrics_.store_batches_total.load(), std::uint64_t{kThreads * kPerThread});
}

TEST_F(RocksStoreTest, FullQueueAnswersOverloaded) {
  options_.max_pending_writes = 2;
  Reopen();
  asio::io_context io;
  std::vector<base::Code> codes;
  {
    auto pause = store_->PauseWriterForTest();
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(io, store_->Append(Chat("alice", kAB, std::to_string(i))),
                     [&](std::exception_ptr, base::Result<AppendResult> r) {
                       codes.push_back(r ? base::Code::kOk : r.error().code);
                     });
    }
    io.poll();
    EXPECT_EQ(codes, std::vector<base::Code>{base::Code::kUnavailable});
  }
  io.run();
  EXPECT_EQ(codes.size(), 3u);
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 2);
}

TEST_F(RocksStoreTest, CloseDrainsQueuedAppends) {
  asio::io_context io;
  int ok = 0;
  std::thread closer;
  {
    auto pause = store_->PauseWriterForTest();
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(io, store_->Append(Chat("alice", kAB, std::to_string(i))),
                     [&](std::exception_ptr, base::Result<AppendResult> r) { ok += r ? 1 : 0; });
    }
    io.poll();
    closer = std::thread([&] { store_->Close(); });
  }
  closer.join();
  io.run();
  EXPECT_EQ(ok, 50);
  Reopen();
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 50);
}

}  // namespace
}  // namespace parley::store::testing
