// Store conformance, messages: seqs, idempotency (one gateway and two),
// paging, acks, conversations, users, input checks, reopen, close.

#include <map>
#include <string>
#include <vector>

#include "unit/store_conformance/store_conformance.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;

TEST_P(StoreMessagesTest, SeqIsDensePerConversation) {
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(Send(Chat("alice", kAB, "a" + std::to_string(i))).seq, i);
    EXPECT_EQ(Send(Chat("bob", "private_bob:carol", "b" + std::to_string(i))).seq, i);
  }
  EXPECT_EQ(Run(store().MaxSeq(kAB)).value(), 5);
  EXPECT_EQ(Run(store().MaxSeq("private_bob:carol")).value(), 5);
  EXPECT_EQ(Run(store().MaxSeq("private_no:one")).value(), 0);
  EXPECT_TRUE(backend_->Healthy());
}

TEST_P(StoreMessagesTest, StoredJsonIsTheSerializedMessageWithSeq) {
  AppendRequest request = Chat("alice", kAB, "m1");
  request.message.content = "quotes ' \" \\ and ünïcødé 🙂";
  AppendResult result = Send(request);
  request.message.seq = 1;
  EXPECT_EQ(*result.message_json, protocol::SerializeMessage(request.message));
  auto page = Run(store().ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0], *result.message_json);
}

TEST_P(StoreMessagesTest, RetryReturnsOriginalSeq) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  Send(Chat("alice", kAB, "m2"));
  AppendRequest retry = Chat("alice", kAB, "m1");
  retry.message.content = "changed";
  AppendResult second = Send(retry);
  EXPECT_TRUE(second.duplicate);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(second.seq, first.seq);
  EXPECT_EQ(*second.message_json, *first.message_json);
  EXPECT_EQ(*second.recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(Run(store().MaxSeq(kAB)).value(), 2);
  EXPECT_EQ(Send(Chat("bob", kAB, "m1")).seq, 3) << "same msg_id, another sender";
}

TEST_P(StoreMessagesTest, RetryThroughAnotherGatewayReturnsOriginalSeq) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  auto second = Run(backend_->Other().Append(Chat("alice", kAB, "m1")));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->seq, first.seq);
  EXPECT_EQ(*second->message_json, *first.message_json);
  EXPECT_EQ(Run(backend_->Other().Append(Chat("bob", kAB, "m2"))).value().seq, 2);
  auto page = Run(store().ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 1);
  EXPECT_EQ(SeqOf(page.messages[1]), 2);
}

TEST_P(StoreMessagesTest, PagingHasExactHasMore) {
  for (int i = 1; i <= 5; ++i) Send(Chat("alice", kAB, std::to_string(i)));
  Send(Chat("alice", "private_alice:bobby", "other"));  // an id that extends kAB

  auto page = Run(store().ReadAfter(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 1);
  EXPECT_EQ(SeqOf(page.messages[1]), 2);
  EXPECT_TRUE(page.has_more);
  page = Run(store().ReadAfter(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[1]), 5);
  EXPECT_FALSE(page.has_more);
  page = Run(store().ReadAfter(kAB, 5, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
  page = Run(store().ReadAfter(kAB, 0, 0)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_TRUE(page.has_more);

  page = Run(store().ReadBefore(kAB, 0, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 5);
  EXPECT_EQ(SeqOf(page.messages[1]), 4);
  EXPECT_TRUE(page.has_more);
  page = Run(store().ReadBefore(kAB, 3, 2)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(SeqOf(page.messages[0]), 2);
  EXPECT_EQ(SeqOf(page.messages[1]), 1);
  EXPECT_FALSE(page.has_more);
  page = Run(store().ReadBefore(kAB, 1, 10)).value();
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
  page = Run(store().ReadBefore("private_no:one", 0, 10)).value();
  EXPECT_TRUE(page.messages.empty());
}

TEST_P(StoreMessagesTest, AckOnlyMovesForward) {
  EXPECT_EQ(Run(store().Ack("bob", kAB, 5)).value(), 5);
  EXPECT_EQ(Run(store().Ack("bob", kAB, 3)).value(), 5);
  EXPECT_EQ(Run(store().Ack("bob", kAB, 7)).value(), 7);
  EXPECT_EQ(Run(store().Ack("carol", kAB, 1)).value(), 1);
}

TEST_P(StoreMessagesTest, ReceiptsKeepReadAndDeliveredApartAndOnlyForward) {
  const Members members = {"alice", "bob"};
  for (int i = 1; i <= 5; ++i) Send(Chat("alice", kAB, "m" + std::to_string(i), members));
  EXPECT_EQ(Run(store().AckDelivered("bob", kAB, 5)).value(), 5);
  EXPECT_EQ(Run(store().AckDelivered("bob", kAB, 2)).value(), 5);
  EXPECT_EQ(Run(store().Ack("bob", kAB, 3)).value(), 3);
  auto receipts = Run(store().ReadReceipts(kAB, {"alice", "bob", "carol"})).value();
  ASSERT_EQ(receipts.size(), 3u);
  EXPECT_EQ(receipts[0].user_id, "alice");
  EXPECT_EQ(receipts[0].read_seq, 5) << "a sender has read its own messages";
  EXPECT_EQ(receipts[1].user_id, "bob");
  EXPECT_EQ(receipts[1].read_seq, 3);
  EXPECT_EQ(receipts[1].delivered_seq, 5);
  EXPECT_EQ(receipts[2].read_seq, 0) << "no row: zero";
  EXPECT_EQ(receipts[2].delivered_seq, 0);
  auto listed = Run(store().ListConversations("bob")).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].last_ack_seq, 3) << "delivered is not read";
}

TEST_P(StoreMessagesTest, ListConversationsShowsLastMessageAndAck) {
  const Members members = {"alice", "bob"};
  Send(Chat("alice", kAB, "m1", members));
  AppendResult last = Send(Chat("bob", kAB, "m2", members));
  Send(Change(core::GroupOp::kCreate, "g", "alice", "g1", {"carol"}));
  Run(store().Ack("bob", "group_empty", 0)).value();  // no messages: not listed

  auto alice = Run(store().ListConversations("alice")).value();
  ASSERT_EQ(alice.size(), 2u);
  std::map<std::string, core::ConversationState> by_id;
  for (auto& c : alice) by_id[c.conversation_id] = c;
  EXPECT_EQ(by_id[kAB].max_seq, 2);
  EXPECT_EQ(by_id[kAB].last_ack_seq, 1);  // her own message
  EXPECT_EQ(by_id[kAB].last_message_json, *last.message_json);
  EXPECT_EQ(by_id[kG].last_ack_seq, 1);

  auto bob = Run(store().ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].conversation_id, kAB);
  EXPECT_EQ(bob[0].last_ack_seq, 2);

  auto carol = Run(store().ListConversations("carol")).value();
  ASSERT_EQ(carol.size(), 1u);
  EXPECT_EQ(carol[0].last_ack_seq, 0);
  EXPECT_TRUE(Run(store().ListConversations("nobody")).value().empty());
}

TEST_P(StoreMessagesTest, CreateUserConflictAndFind) {
  core::UserRecord alice{"alice", "$argon2id$hash", 1234};
  EXPECT_TRUE(Run(store().CreateUser(alice)).has_value());
  auto again = Run(store().CreateUser(core::UserRecord{"alice", "other", 5}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, base::Code::kConflict);

  auto found = Run(store().FindUser("alice")).value();
  EXPECT_EQ(found.user_id, "alice");
  EXPECT_EQ(found.password_hash, "$argon2id$hash");
  EXPECT_EQ(found.created_at, 1234);
  auto missing = Run(store().FindUser("bob"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  EXPECT_EQ(Run(backend_->Other().FindUser("alice")).value().user_id, "alice");
}

// The server API's ban and log-out-everywhere: stored with the user, the
// cut-off never moves back, and both survive a restart.
TEST_P(StoreMessagesTest, UpdateUserBansAndMovesTheTokenCutOffForwardOnly) {
  Run(store().CreateUser(core::UserRecord{"alice", "h", 1})).value();
  EXPECT_EQ(Run(store().FindUser("alice")).value().standing, core::UserStanding::kActive);

  core::UserUpdate ban{"alice", core::UserStanding::kBanned, 0};
  core::UserRecord banned = Run(store().UpdateUser(ban)).value();
  EXPECT_EQ(banned.standing, core::UserStanding::kBanned);
  EXPECT_EQ(banned.password_hash, "h") << "an update keeps the rest of the record";
  core::UserUpdate logout{"alice", std::nullopt, 5000};
  EXPECT_EQ(Run(store().UpdateUser(logout)).value().tokens_valid_after, 5000);
  core::UserUpdate older{"alice", std::nullopt, 3000};
  core::UserRecord kept = Run(store().UpdateUser(older)).value();
  EXPECT_EQ(kept.tokens_valid_after, 5000) << "the cut-off moved back";
  EXPECT_EQ(kept.standing, core::UserStanding::kBanned) << "no standing given: unchanged";

  core::UserUpdate nobody{"nobody", core::UserStanding::kBanned, 0};
  auto missing = Run(store().UpdateUser(nobody));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);

  Reopen();
  core::UserRecord reread = Run(store().FindUser("alice")).value();
  EXPECT_EQ(reread.standing, core::UserStanding::kBanned);
  EXPECT_EQ(reread.tokens_valid_after, 5000);
  EXPECT_EQ(Run(backend_->Other().FindUser("alice")).value().standing, core::UserStanding::kBanned);
  core::UserUpdate unban{"alice", core::UserStanding::kActive, 0};
  EXPECT_EQ(Run(store().UpdateUser(unban)).value().standing, core::UserStanding::kActive);
}

// An empty msg_id is refused by the cluster store only (RocksStore stores
// it): cluster_store_test.cc.
TEST_P(StoreMessagesTest, InvalidInputIsRejected) {
  const std::string with_nul("a\0b", 3);
  for (AppendRequest bad :
       {Chat(with_nul, kAB, "m1"), Chat("alice", with_nul, "m1"),
        Chat("alice", kAB, "m1", {"alice", with_nul}), Chat("alice", "chat_alice_bob", "m1"),
        Change(core::GroupOp::kInvite, "g", "alice", "m1", {with_nul})}) {
    EXPECT_EQ(Try(bad), base::Code::kBadRequest);
  }
  EXPECT_EQ(Run(store().MaxSeq(kAB)).value(), 0);
  EXPECT_EQ(Run(store().ReadAfter(std::string("x\0y", 3), 0, 1)).error().code,
            base::Code::kBadRequest);
}

TEST_P(StoreMessagesTest, DataOutlivesTheStore) {
  const Members members = {"alice", "bob"};
  for (int i = 1; i <= 3; ++i) Send(Chat("alice", kAB, std::to_string(i), members));
  Run(store().CreateUser(core::UserRecord{"alice", "h", 1})).value();
  Run(store().Ack("bob", kAB, 2)).value();
  Reopen();

  EXPECT_EQ(Run(store().MaxSeq(kAB)).value(), 3);
  AppendResult retry = Send(Chat("alice", kAB, "2", members));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 2);
  EXPECT_EQ(Send(Chat("bob", kAB, "4", members)).seq, 4);
  auto page = Run(store().ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(SeqOf(page.messages[i]), i + 1);
  EXPECT_EQ(Run(store().FindUser("alice")).value().password_hash, "h");
  auto bob = Run(store().ListConversations("bob")).value();
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0].last_ack_seq, 4);
}

TEST_P(StoreMessagesTest, AppendAfterCloseIsUnavailable) {
  store().Close();
  EXPECT_EQ(Try(Chat("alice", kAB, "m1")), base::Code::kUnavailable);
  EXPECT_EQ(Run(store().MaxSeq(kAB)).error().code, base::Code::kUnavailable);
}

}  // namespace
}  // namespace parley::store::testing
