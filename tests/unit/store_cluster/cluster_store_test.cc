// RedisMysqlStore: seqs, idempotency (one gateway and two), paging, acks,
// conversations, users, concurrency, and the schema file.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "redis/client.h"
#include "store/cluster/schema.h"
#include "unit/store_cluster/cluster_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;

const std::string kAB = "private_alice_bob";

TEST(ClusterSchemaTest, ScriptsSchemaSqlMatchesTheStore) {
  if (std::getenv("PARLEY_UPDATE_SCHEMA")) {
    std::ofstream(PARLEY_SCHEMA_SQL) << SchemaSqlFile();
  }
  std::ifstream file(PARLEY_SCHEMA_SQL);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), SchemaSqlFile())
      << "regenerate with PARLEY_UPDATE_SCHEMA=1 store_cluster_test "
         "--gtest_filter=ClusterSchemaTest.*";
}

TEST_F(ClusterStoreTest, SeqIsDensePerConversation) {
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(Send(Chat("alice", kAB, "a" + std::to_string(i))).seq, i);
    EXPECT_EQ(Send(Chat("bob", "private_bob_carol", "b" + std::to_string(i))).seq, i);
  }
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 5);
  EXPECT_EQ(Run(store_->MaxSeq("private_bob_carol")).value(), 5);
  EXPECT_EQ(Run(store_->MaxSeq("private_no_one")).value(), 0);
  EXPECT_TRUE(store_->Healthy());
}

TEST_F(ClusterStoreTest, StoredJsonIsTheSerializedMessageWithSeq) {
  AppendRequest request = Chat("alice", kAB, "m1");
  request.message.content = "quotes ' \" \\ and ünïcødé 🙂";
  AppendResult result = Send(request);
  request.message.seq = 1;
  EXPECT_EQ(*result.message_json, protocol::SerializeMessage(request.message));
  auto page = Run(store_->ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0], *result.message_json);
}

TEST_F(ClusterStoreTest, RetryReturnsOriginalSeq) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  Send(Chat("alice", kAB, "m2"));
  AppendRequest retry = Chat("alice", kAB, "m1");
  retry.message.content = "changed";
  AppendResult second = Send(retry);
  EXPECT_TRUE(second.duplicate);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(second.seq, first.seq);
  EXPECT_EQ(*second.message_json, *first.message_json);
  EXPECT_EQ(*second.recipients, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 2);
  EXPECT_EQ(Send(Chat("bob", kAB, "m1")).seq, 3) << "same msg_id, another sender";
}

TEST_F(ClusterStoreTest, RetryThroughAnotherGatewayReturnsOriginalSeq) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  auto second = Run(Second().Append(Chat("alice", kAB, "m1")));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->seq, first.seq);
  EXPECT_EQ(*second->message_json, *first.message_json);
  EXPECT_EQ(Run(Second().Append(Chat("bob", kAB, "m2"))).value().seq, 2);
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(ClusterStoreTest, RetryAfterTheIdempotencyCacheIsGoneIsStillADuplicate) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  Send(Chat("alice", kAB, "m2"));
  // The cache entry expired (or Redis lost it): MySQL's unique key answers.
  auto redis = Run(redis::Client::Connect(caller_.executor(), redis_->host(), redis_->port(), {}));
  ASSERT_TRUE(redis);
  // Wait for the background "committed" write, then drop it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  redis::Args del = {"DEL", "im:msgid:alice:m1"};
  EXPECT_EQ(Run((*redis)->Command(std::move(del))).value().integer(), 1);
  (*redis)->Close();

  AppendResult retry = Send(Chat("alice", kAB, "m1"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, first.seq);
  EXPECT_EQ(*retry.message_json, *first.message_json);
  // The seq the retry was given became a hole: readers skip it at once.
  EXPECT_EQ(Send(Chat("alice", kAB, "m4")).seq, 4);
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 4);
}

TEST_F(ClusterStoreTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) Send(Chat("alice", kAB, std::to_string(i)));
  Send(Chat("alice", "private_alice_bobby", "other"));

  auto page = Run(store_->ReadAfter(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 1);
  EXPECT_EQ(SeqOf(page.messages[1]), 2);
  EXPECT_TRUE(page.has_more);
  page = Run(store_->ReadAfter(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[1]), 5);
  EXPECT_FALSE(page.has_more);
  page = Run(store_->ReadAfter(kAB, 5, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
  page = Run(store_->ReadAfter(kAB, 0, 0)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_TRUE(page.has_more);

  page = Run(store_->ReadBefore(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 5);
  EXPECT_EQ(SeqOf(page.messages[1]), 4);
  EXPECT_TRUE(page.has_more);
  page = Run(store_->ReadBefore(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 2);
  EXPECT_EQ(SeqOf(page.messages[1]), 1);
  EXPECT_FALSE(page.has_more);
  page = Run(store_->ReadBefore(kAB, 1, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
}

TEST_F(ClusterStoreTest, AckOnlyMovesForward) {
  EXPECT_EQ(Run(store_->Ack("bob", kAB, 5)).value(), 5);
  EXPECT_EQ(Run(store_->Ack("bob", kAB, 3)).value(), 5);
  EXPECT_EQ(Run(store_->Ack("bob", kAB, 7)).value(), 7);
  EXPECT_EQ(Run(store_->Ack("carol", kAB, 1)).value(), 1);
}

TEST_F(ClusterStoreTest, ListConversationsShowsLastMessageAndAck) {
  const std::vector<std::string> members = {"alice", "bob"};
  Send(Chat("alice", kAB, "m1", members));
  AppendResult last = Send(Chat("bob", kAB, "m2", members));
  Send(Change(core::GroupOp::kCreate, "g", "alice", "g1", {"carol"}));
  Run(store_->Ack("bob", "group_empty", 0)).value();  // no messages: not listed

  auto alice = Run(store_->ListConversations("alice")).value();
  ASSERT_EQ(alice.size(), 2u);
  std::map<std::string, core::ConversationState> by_id;
  for (auto& c : alice) by_id[c.conversation_id] = c;
  EXPECT_EQ(by_id[kAB].max_seq, 2);
  EXPECT_EQ(by_id[kAB].last_ack_seq, 1);  // her own message
  EXPECT_EQ(by_id[kAB].last_message_json, *last.message_json);
  EXPECT_EQ(by_id["group_g"].last_ack_seq, 1);

  auto bob = Run(store_->ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].conversation_id, kAB);
  EXPECT_EQ(bob[0].last_ack_seq, 2);

  auto carol = Run(store_->ListConversations("carol")).value();
  ASSERT_EQ(carol.size(), 1u);
  EXPECT_EQ(carol[0].last_ack_seq, 0);
  EXPECT_TRUE(Run(store_->ListConversations("nobody")).value().empty());
}

TEST_F(ClusterStoreTest, CreateUserConflictAndFind) {
  core::UserRecord alice{"alice", "$argon2id$hash", 1234};
  EXPECT_TRUE(Run(store_->CreateUser(alice)).has_value());
  auto again = Run(store_->CreateUser(core::UserRecord{"alice", "other", 5}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, base::Code::kConflict);
  auto found = Run(store_->FindUser("alice")).value();
  EXPECT_EQ(found.password_hash, "$argon2id$hash");
  EXPECT_EQ(found.created_at, 1234);
  EXPECT_EQ(Run(store_->FindUser("bob")).error().code, base::Code::kNotFound);
  EXPECT_EQ(Run(Second().FindUser("alice")).value().user_id, "alice");
}

TEST_F(ClusterStoreTest, InvalidInputIsRejected) {
  const std::string with_nul("a\0b", 3);
  for (AppendRequest bad :
       {Chat(with_nul, kAB, "m1"), Chat("alice", with_nul, "m1"),
        Chat("alice", kAB, "m1", {"alice", with_nul}), Chat("alice", "chat_alice_bob", "m1"),
        Chat("alice", kAB, ""), Change(core::GroupOp::kInvite, "g", "alice", "m1", {with_nul})}) {
    EXPECT_EQ(Try(bad), base::Code::kBadRequest);
  }
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 0);
  EXPECT_EQ(Run(store_->ReadAfter(std::string("x\0y", 3), 0, 1)).error().code,
            base::Code::kBadRequest);
}

TEST_F(ClusterStoreTest, DataOutlivesTheStore) {
  const std::vector<std::string> members = {"alice", "bob"};
  for (int i = 1; i <= 3; ++i) Send(Chat("alice", kAB, std::to_string(i), members));
  Run(store_->Ack("bob", kAB, 2)).value();
  Reopen();
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 3);
  AppendResult retry = Send(Chat("alice", kAB, "2", members));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 2);
  EXPECT_EQ(Send(Chat("bob", kAB, "4", members)).seq, 4);
  auto bob = Run(store_->ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].last_ack_seq, 4);
}

// Appends from many coroutines on two gateways: seqs are unique, dense and
// each caller's appends keep their order.
TEST_F(ClusterStoreTest, ConcurrentAppendsOnTwoGatewaysGetDenseSeqs) {
  constexpr int kCallers = 4;
  constexpr int kPerCaller = 150;
  const std::string conv = "private_user0_user1";
  std::vector<std::vector<std::int64_t>> results(kCallers, std::vector<std::int64_t>(kPerCaller));
  std::vector<std::promise<void>> done(kCallers);
  RedisMysqlStore* gateways[2] = {store_.get(), &Second()};
  auto caller = [&](int c) -> asio::awaitable<void> {
    for (int i = 0; i < kPerCaller; ++i) {
      AppendRequest request = Chat("user" + std::to_string(c % 2), conv,
                                   std::to_string(c) + "-" + std::to_string(i), {"user0", "user1"});
      base::Result<AppendResult> r = co_await gateways[c % 2]->Append(std::move(request));
      results[c][i] = r ? r->seq : -1;
    }
    done[c].set_value();
  };
  for (int c = 0; c < kCallers; ++c) asio::co_spawn(caller_.io(), caller(c), asio::detached);
  for (auto& d : done) d.get_future().wait();

  std::set<std::int64_t> seqs;
  for (int c = 0; c < kCallers; ++c) {
    std::int64_t previous = 0;
    for (std::int64_t seq : results[c]) {
      EXPECT_GT(seq, previous);
      previous = seq;
      seqs.insert(seq);
    }
  }
  const std::int64_t total = kCallers * kPerCaller;
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(*seqs.rbegin(), total);
  EXPECT_EQ(Seqs(conv).size(), static_cast<std::size_t>(total));
  EXPECT_LT(metrics_.store_batches_total.load(), static_cast<std::uint64_t>(total));
}

TEST_F(ClusterStoreTest, AppendAfterCloseIsUnavailable) {
  store_->Close();
  EXPECT_EQ(Try(Chat("alice", kAB, "m1")), base::Code::kUnavailable);
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).error().code, base::Code::kUnavailable);
}

}  // namespace
}  // namespace parley::store::testing
