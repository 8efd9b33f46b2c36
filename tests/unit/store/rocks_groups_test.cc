// RocksStore groups: membership changes and their rules, membership checks
// on send, recipients as of each seq, recovery, and batch isolation.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;
using core::GroupOp;
using Members = std::vector<std::string>;

const std::string kG = base::GroupConversationId("g");

class RocksGroupsTest : public RocksStoreTest {
 protected:
  // The error code of an Append, kOk on success.
  base::Code Try(AppendRequest request) {
    auto r = RunSync(store_->Append(std::move(request)));
    return r ? base::Code::kOk : r.error().code;
  }
  core::GroupInfo Group(const std::string& group_id) {
    return RunSync(store_->GetGroup(group_id)).value();
  }
  bool Lists(const std::string& user, const std::string& conversation_id) {
    for (const auto& c : RunSync(store_->ListConversations(user)).value()) {
      if (c.conversation_id == conversation_id) return true;
    }
    return false;
  }
  AppendRequest At(AppendRequest request, std::int64_t send_time) {
    request.message.send_time = send_time;
    return request;
  }
};

TEST_F(RocksGroupsTest, CreateMakesTheActorOwnerOfADeduplicatedGroup) {
  AppendResult created =
      Send(At(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "alice", "bob"}), 42));
  EXPECT_EQ(created.seq, 1);
  EXPECT_EQ(*created.recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(SeqOf(*created.message_json), 1);

  core::GroupInfo g = Group("g");
  EXPECT_EQ(g.group_id, "g");
  EXPECT_EQ(g.name, "name of g");
  EXPECT_EQ(g.owner_id, "alice");
  EXPECT_EQ(g.created_at, 42);
  EXPECT_EQ(*g.members, (Members{"alice", "bob"}));
  EXPECT_TRUE(Lists("bob", kG));
  EXPECT_TRUE(Lists("alice", kG));

  EXPECT_EQ(Try(Change(GroupOp::kCreate, "g", "carol", "c2")), base::Code::kConflict);
  EXPECT_EQ(RunSync(store_->GetGroup("none")).error().code, base::Code::kNotFound);
}

TEST_F(RocksGroupsTest, EveryOpButCreateNeedsTheGroup) {
  for (GroupOp op : {GroupOp::kJoin, GroupOp::kLeave, GroupOp::kInvite, GroupOp::kKick}) {
    EXPECT_EQ(Try(Change(op, "g", "alice", "x", {"bob"})), base::Code::kNotFound);
  }
  EXPECT_EQ(Try(Chat("alice", kG, "m1")), base::Code::kNotFound);
  EXPECT_EQ(RunSync(store_->MaxSeq(kG)).value(), 0);
}

TEST_F(RocksGroupsTest, JoinAndLeave) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1"));
  AppendResult joined = Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  EXPECT_EQ(joined.seq, 2);
  EXPECT_EQ(*joined.recipients, (Members{"alice", "carol"}));
  EXPECT_TRUE(Lists("carol", kG));
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "carol", "j2")), base::Code::kConflict);
  EXPECT_EQ(Try(Change(GroupOp::kLeave, "g", "dave", "l1")), base::Code::kNotFound);

  AppendResult left = Send(Change(GroupOp::kLeave, "g", "carol", "l2"));
  EXPECT_EQ(left.seq, 3);
  EXPECT_EQ(*left.recipients, (Members{"alice", "carol"})) << "the leaver learns of it";
  EXPECT_EQ(*Group("g").members, (Members{"alice"}));
  EXPECT_FALSE(Lists("carol", kG));
  EXPECT_TRUE(RunSync(store_->GroupsOf("carol")).value().empty());
  EXPECT_EQ(Try(Chat("carol", kG, "m1")), base::Code::kForbidden);
}

TEST_F(RocksGroupsTest, InviteSkipsMembersAndNeedsAMember) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  EXPECT_EQ(Try(Change(GroupOp::kInvite, "g", "carol", "i1", {"dave"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kInvite, "g", "bob", "i2", {"alice", "bob"})),
            base::Code::kConflict);
  EXPECT_EQ(Try(Change(GroupOp::kInvite, "g", "bob", "i3", {})), base::Code::kBadRequest);

  AppendResult invited =
      Send(Change(GroupOp::kInvite, "g", "bob", "i4", {"alice", "dave", "carol"}));
  EXPECT_EQ(*invited.recipients, (Members{"alice", "bob", "carol", "dave"}));
  EXPECT_EQ(Group("g").owner_id, "alice");
  EXPECT_TRUE(Lists("dave", kG));
  EXPECT_EQ(Send(Chat("dave", kG, "m1")).seq, 3);
}

TEST_F(RocksGroupsTest, OnlyTheOwnerKicksOthersWhoAreMembers) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "bob", "k1", {"carol"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "alice", "k2", {"alice"})), base::Code::kBadRequest);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "alice", "k3", {"carol", "dave"})),
            base::Code::kNotFound);
  EXPECT_EQ(*Group("g").members, (Members{"alice", "bob", "carol"})) << "refusals change nothing";
}

TEST_F(RocksGroupsTest, RecipientsFollowMembershipSeqBySeq) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  AppendResult before = Send(Chat("bob", kG, "m1"));
  AppendResult kick = Send(Change(GroupOp::kKick, "g", "alice", "k1", {"bob"}));
  AppendResult after = Send(Chat("carol", kG, "m2"));

  EXPECT_EQ(*before.recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(*kick.recipients, (Members{"alice", "bob", "carol"})) << "the kicked user learns of it";
  EXPECT_EQ(*after.recipients, (Members{"alice", "carol"}));
  EXPECT_EQ(after.seq, 4);
  EXPECT_EQ(Try(Chat("bob", kG, "m3")), base::Code::kForbidden);
  EXPECT_FALSE(Lists("bob", kG));
}

TEST_F(RocksGroupsTest, MessagesShareOneMemberListUntilMembershipChanges) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  AppendResult m1 = Send(Chat("alice", kG, "m1"));
  AppendResult m2 = Send(Chat("bob", kG, "m2"));
  EXPECT_EQ(m1.recipients.get(), m2.recipients.get());
  EXPECT_EQ(m1.recipients.get(), Group("g").members.get());
  Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  AppendResult m3 = Send(Chat("bob", kG, "m3"));
  EXPECT_NE(m3.recipients.get(), m2.recipients.get());
  EXPECT_EQ(*m2.recipients, (Members{"alice", "bob"})) << "a snapshot never changes";
}

TEST_F(RocksGroupsTest, OwnershipPassesToTheEarliestRemainingMember) {
  Send(At(Change(GroupOp::kCreate, "g", "alice", "c1"), 100));
  Send(At(Change(GroupOp::kJoin, "g", "carol", "j1"), 200));
  Send(At(Change(GroupOp::kJoin, "g", "bob", "j2"), 300));
  Send(At(Change(GroupOp::kJoin, "g", "dave", "j3"), 300));

  Send(Change(GroupOp::kLeave, "g", "alice", "l1"));
  EXPECT_EQ(Group("g").owner_id, "carol") << "joined first, though bob sorts first";
  Send(Change(GroupOp::kLeave, "g", "carol", "l2"));
  EXPECT_EQ(Group("g").owner_id, "bob") << "same join time as dave: the smaller id";
  EXPECT_EQ(Send(Change(GroupOp::kKick, "g", "bob", "k1", {"dave"})).seq, 7);
  Send(Change(GroupOp::kLeave, "g", "bob", "l3"));

  core::GroupInfo empty = Group("g");
  EXPECT_EQ(empty.owner_id, "");
  EXPECT_TRUE(empty.members->empty());
  EXPECT_EQ(Try(Chat("bob", kG, "m1")), base::Code::kForbidden);
  Send(Change(GroupOp::kJoin, "g", "erin", "j4"));
  EXPECT_EQ(Group("g").owner_id, "erin") << "an ownerless group is owned by who joins";
}

TEST_F(RocksGroupsTest, MembershipAndSeqsSurviveReopen) {
  Send(At(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}), 100));
  Send(At(Change(GroupOp::kJoin, "g", "carol", "j1"), 200));
  Send(Change(GroupOp::kLeave, "g", "alice", "l1"));  // bob owns it now
  Send(Change(GroupOp::kCreate, "h", "carol", "c2"));
  Reopen();

  core::GroupInfo g = Group("g");
  EXPECT_EQ(g.owner_id, "bob");
  EXPECT_EQ(g.name, "name of g");
  EXPECT_EQ(g.created_at, 100);
  EXPECT_EQ(*g.members, (Members{"bob", "carol"}));
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "carol", "k1", {"bob"})), base::Code::kForbidden);
  EXPECT_EQ(Send(Chat("carol", kG, "m1")).seq, 4);
  EXPECT_EQ(Try(Chat("alice", kG, "m2")), base::Code::kForbidden);

  auto carols = RunSync(store_->GroupsOf("carol")).value();
  ASSERT_EQ(carols.size(), 2u);
  EXPECT_EQ(carols[0].group_id, "g");
  EXPECT_EQ(*carols[0].members, (Members{"bob", "carol"}));
  EXPECT_EQ(carols[1].group_id, "h");
  EXPECT_EQ(carols[1].owner_id, "carol");
  EXPECT_TRUE(RunSync(store_->GroupsOf("alice")).value().empty());
}

TEST_F(RocksGroupsTest, RefusedOpsDoNotDisturbTheirBatch) {
  std::vector<AppendRequest> requests = {
      Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}),    // ok: 1
      Change(GroupOp::kJoin, "g", "bob", "j1"),                 // 409
      Chat("carol", kG, "m1"),                                  // 403
      Change(GroupOp::kInvite, "g", "alice", "i1", {"carol"}),  // ok: 2
      Chat("carol", kG, "m2"),                                  // ok: 3, a member by now
      Change(GroupOp::kKick, "g", "bob", "k1", {"carol"}),      // 403
      Change(GroupOp::kCreate, "g", "dave", "c2"),              // 409
      Change(GroupOp::kKick, "g", "alice", "k2", {"carol"}),    // ok: 4
      Chat("carol", kG, "m3"),                                  // 403 again
      Chat("alice", kG, "m4"),                                  // ok: 5
  };
  asio::io_context io;
  std::vector<base::Result<AppendResult>> results(requests.size(),
                                                  base::MakeError(base::Code::kInternal, ""));
  {
    auto pause = store_->PauseWriterForTest();
    for (std::size_t i = 0; i < requests.size(); ++i) {
      asio::co_spawn(io, store_->Append(requests[i]),
                     [&results, i](std::exception_ptr, base::Result<AppendResult> r) {
                       results[i] = std::move(r);
                     });
    }
    io.poll();
  }
  io.run();
  EXPECT_EQ(metrics_.store_batches_total.load(), 1u);

  const std::vector<std::int64_t> seqs = {1, 0, 0, 2, 3, 0, 0, 4, 0, 5};
  const std::vector<base::Code> codes = {
      base::Code::kOk,        base::Code::kConflict,  base::Code::kForbidden, base::Code::kOk,
      base::Code::kOk,        base::Code::kForbidden, base::Code::kConflict,  base::Code::kOk,
      base::Code::kForbidden, base::Code::kOk};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(results[i] ? base::Code::kOk : results[i].error().code, codes[i]) << i;
    if (results[i]) {
      EXPECT_EQ(results[i]->seq, seqs[i]) << i;
    }
  }
  EXPECT_EQ(*results[4]->recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(*results[9]->recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(*Group("g").members, (Members{"alice", "bob"}));
  EXPECT_EQ(RunSync(store_->MaxSeq(kG)).value(), 5);
  auto page = RunSync(store_->ReadAfter(kG, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SeqOf(page.messages[i]), i + 1);
}

TEST_F(RocksGroupsTest, RetriedChangeReturnsTheOriginal) {
  AppendResult created = Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  AppendResult retry = Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 1);
  EXPECT_EQ(*retry.message_json, *created.message_json);
  EXPECT_EQ(*retry.recipients, (Members{"alice", "bob"}));

  Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  AppendResult rejoin = Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  EXPECT_TRUE(rejoin.duplicate);
  EXPECT_EQ(rejoin.seq, 2);
  EXPECT_EQ(*rejoin.recipients, (Members{"alice", "bob", "carol"}));
}

TEST_F(RocksGroupsTest, RetryNamingAnotherConversationKeepsTheOriginalsRecipients) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  Send(Chat("alice", "private_alice_bob", "p1"));
  AppendResult retry = Send(Chat("alice", kG, "p1"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(*retry.recipients, (Members{"alice", "bob"}));
}

TEST_F(RocksGroupsTest, ChangesBelongInTheirGroupsConversation) {
  AppendRequest in_private = Change(GroupOp::kCreate, "g", "alice", "c1");
  in_private.message.conversation_id = "private_alice_bob";
  EXPECT_EQ(Try(in_private), base::Code::kBadRequest);
  AppendRequest elsewhere = Change(GroupOp::kCreate, "g", "alice", "c2");
  elsewhere.message.conversation_id = base::GroupConversationId("h");
  EXPECT_EQ(Try(elsewhere), base::Code::kBadRequest);
  EXPECT_EQ(RunSync(store_->GetGroup("g")).error().code, base::Code::kNotFound);
}

TEST_F(RocksGroupsTest, PrivateRecipientsAreTheTwoMembers) {
  AppendResult r = Send(Chat("bob", "private_alice_bob", "m1", {"alice", "bob"}));
  EXPECT_EQ(*r.recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(*Send(Chat("alice", "private_alice_alice", "m2")).recipients, (Members{"alice"}));
}

}  // namespace
}  // namespace parley::store::testing
