// RocksStore: seqs, idempotency, paging, acks, users, recovery, group commit.

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

const std::string kAB = "private_alice_bob";

TEST_F(RocksStoreTest, SeqIsDensePerConversation) {
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(Send(Chat("alice", kAB, "a" + std::to_string(i))).seq, i);
    EXPECT_EQ(Send(Chat("bob", "private_bob_carol", "b" + std::to_string(i))).seq, i);
  }
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 5);
  EXPECT_EQ(RunSync(store_->MaxSeq("private_bob_carol")).value(), 5);
  EXPECT_EQ(RunSync(store_->MaxSeq("private_no_one")).value(), 0);
}

TEST_F(RocksStoreTest, StoredJsonIsTheSerializedMessageWithSeq) {
  AppendRequest request = Chat("alice", kAB, "m1");
  AppendResult result = Send(request);
  request.message.seq = 1;
  EXPECT_EQ(*result.message_json, protocol::SerializeMessage(request.message));
  auto page = RunSync(store_->ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0], *result.message_json);
}

TEST_F(RocksStoreTest, RetryReturnsOriginalSeq) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  Send(Chat("alice", kAB, "m2"));
  AppendRequest retry = Chat("alice", kAB, "m1");
  retry.message.content = "changed";
  AppendResult second = Send(retry);
  EXPECT_TRUE(second.duplicate);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(second.seq, first.seq);
  EXPECT_EQ(*second.message_json, *first.message_json);
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 2);
  // Same msg_id from another sender is another message.
  EXPECT_EQ(Send(Chat("bob", kAB, "m1")).seq, 3);
  EXPECT_EQ(metrics_.messages_duplicate_total.load(), 1u);
  EXPECT_EQ(metrics_.messages_stored_total.load(), 3u);
}

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

TEST_F(RocksStoreTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) Send(Chat("alice", kAB, std::to_string(i)));
  Send(Chat("alice", "private_alice_bobby", "other"));  // an id that extends kAB

  auto page = RunSync(store_->ReadAfter(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 1);
  EXPECT_EQ(SeqOf(page.messages[1]), 2);
  EXPECT_TRUE(page.has_more);
  page = RunSync(store_->ReadAfter(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[1]), 5);
  EXPECT_FALSE(page.has_more);
  page = RunSync(store_->ReadAfter(kAB, 5, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
  page = RunSync(store_->ReadAfter(kAB, 0, 0)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_TRUE(page.has_more);

  page = RunSync(store_->ReadBefore(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 5);
  EXPECT_EQ(SeqOf(page.messages[1]), 4);
  EXPECT_TRUE(page.has_more);
  page = RunSync(store_->ReadBefore(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 2);
  EXPECT_EQ(SeqOf(page.messages[1]), 1);
  EXPECT_FALSE(page.has_more);
  page = RunSync(store_->ReadBefore(kAB, 1, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
  page = RunSync(store_->ReadBefore("private_no_one", 0, 10)).value();
  EXPECT_TRUE(page.messages.empty());
}

TEST_F(RocksStoreTest, AckOnlyMovesForward) {
  EXPECT_EQ(RunSync(store_->Ack("bob", kAB, 5)).value(), 5);
  EXPECT_EQ(RunSync(store_->Ack("bob", kAB, 3)).value(), 5);
  EXPECT_EQ(RunSync(store_->Ack("bob", kAB, 7)).value(), 7);
  EXPECT_EQ(RunSync(store_->Ack("carol", kAB, 1)).value(), 1);
}

TEST_F(RocksStoreTest, ListConversationsShowsLastMessageAndAck) {
  const std::vector<std::string> members = {"alice", "bob"};
  Send(Chat("alice", "private_alice_bob", "m1", members));
  AppendResult last = Send(Chat("bob", "private_alice_bob", "m2", members));
  Send(Change(core::GroupOp::kCreate, "g", "alice", "g1", {"carol"}));
  RunSync(store_->Ack("bob", "group_empty", 0)).value();  // no messages: not listed

  auto alice = RunSync(store_->ListConversations("alice")).value();
  ASSERT_EQ(alice.size(), 2u);
  std::map<std::string, core::ConversationState> by_id;
  for (auto& c : alice) by_id[c.conversation_id] = c;
  EXPECT_EQ(by_id["private_alice_bob"].max_seq, 2);
  EXPECT_EQ(by_id["private_alice_bob"].last_ack_seq, 1);  // her own message
  EXPECT_EQ(by_id["private_alice_bob"].last_message_json, *last.message_json);
  EXPECT_EQ(by_id["group_g"].last_ack_seq, 1);

  auto bob = RunSync(store_->ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].conversation_id, "private_alice_bob");
  EXPECT_EQ(bob[0].last_ack_seq, 2);

  auto carol = RunSync(store_->ListConversations("carol")).value();
  ASSERT_EQ(carol.size(), 1u);
  EXPECT_EQ(carol[0].last_ack_seq, 0);
  EXPECT_TRUE(RunSync(store_->ListConversations("nobody")).value().empty());
}

TEST_F(RocksStoreTest, CreateUserConflictAndFind) {
  core::UserRecord alice{"alice", "$argon2id$hash", 1234};
  EXPECT_TRUE(RunSync(store_->CreateUser(alice)).has_value());
  auto again = RunSync(store_->CreateUser(core::UserRecord{"alice", "other", 5}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, base::Code::kConflict);

  auto found = RunSync(store_->FindUser("alice")).value();
  EXPECT_EQ(found.user_id, "alice");
  EXPECT_EQ(found.password_hash, "$argon2id$hash");
  EXPECT_EQ(found.created_at, 1234);
  auto missing = RunSync(store_->FindUser("bob"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
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

TEST_F(RocksStoreTest, InvalidIdsAreRejected) {
  const std::string with_nul("a\0b", 3);
  for (AppendRequest bad :
       {Chat(with_nul, kAB, "m1"), Chat("alice", with_nul, "m1"),
        Chat("alice", kAB, "m1", {"alice", with_nul}), Chat("alice", "chat_alice_bob", "m1"),
        Change(core::GroupOp::kInvite, "g", "alice", "m1", {with_nul})}) {
    auto rejected = RunSync(store_->Append(bad));
    ASSERT_FALSE(rejected.has_value());
    EXPECT_EQ(rejected.error().code, base::Code::kBadRequest);
  }
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).value(), 0);
  EXPECT_EQ(RunSync(store_->ReadAfter(std::string("x\0y", 3), 0, 1)).error().code,
            base::Code::kBadRequest);
}

TEST_F(RocksStoreTest, ReopenRecoversCountersAndData) {
  const std::vector<std::string> members = {"alice", "bob"};
  for (int i = 1; i <= 3; ++i) Send(Chat("alice", "private_alice_bob", std::to_string(i), members));
  RunSync(store_->CreateUser(core::UserRecord{"alice", "h", 1})).value();
  RunSync(store_->Ack("bob", "private_alice_bob", 2)).value();
  Reopen();

  EXPECT_EQ(RunSync(store_->MaxSeq("private_alice_bob")).value(), 3);
  AppendResult retry = Send(Chat("alice", "private_alice_bob", "2", members));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 2);
  EXPECT_EQ(Send(Chat("bob", "private_alice_bob", "4", members)).seq, 4);
  auto page = RunSync(store_->ReadAfter("private_alice_bob", 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(SeqOf(page.messages[i]), i + 1);
  EXPECT_EQ(RunSync(store_->FindUser("alice")).value().password_hash, "h");
  auto bob = RunSync(store_->ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].last_ack_seq, 4);
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
  const std::vector<std::string> convs = {"private_user0_user1", "private_user2_user3"};
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

TEST_F(RocksStoreTest, AppendAfterCloseIsUnavailable) {
  store_->Close();
  auto r = RunSync(store_->Append(Chat("alice", kAB, "m1")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::Code::kUnavailable);
  EXPECT_EQ(RunSync(store_->MaxSeq(kAB)).error().code, base::Code::kUnavailable);
}

}  // namespace
}  // namespace parley::store::testing
