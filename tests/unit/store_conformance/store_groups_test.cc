// Store conformance, groups: membership changes and their rules, membership
// checks on send, recipients as of each seq (through either gateway),
// ownership, retried changes, reopen.

#include <optional>
#include <string>
#include <vector>

#include "unit/store_conformance/store_conformance.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;
using core::GroupOp;

TEST_P(StoreGroupsTest, CreateMakesTheActorOwnerOfADeduplicatedGroup) {
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
  EXPECT_EQ(Run(store().GetGroup("none")).error().code, base::Code::kNotFound);
}

TEST_P(StoreGroupsTest, EveryOpButCreateNeedsTheGroup) {
  for (GroupOp op : {GroupOp::kJoin, GroupOp::kLeave, GroupOp::kInvite, GroupOp::kKick}) {
    EXPECT_EQ(Try(Change(op, "g", "alice", "x", {"bob"})), base::Code::kNotFound);
  }
  EXPECT_EQ(Try(Chat("alice", kG, "m1")), base::Code::kNotFound);
  EXPECT_EQ(Run(store().MaxSeq(kG)).value(), 0);
  // What remembers "no such group" (the cluster store caches it) does not
  // hide a creation.
  EXPECT_EQ(Send(Change(GroupOp::kCreate, "g", "alice", "c1")).seq, 1);
  EXPECT_EQ(Send(Chat("alice", kG, "m2")).seq, 2);
}

TEST_P(StoreGroupsTest, JoinAndLeave) {
  Send(Open(Change(GroupOp::kCreate, "g", "alice", "c1")));
  AppendResult joined = Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  EXPECT_EQ(joined.seq, 2);
  EXPECT_EQ(*joined.recipients, (Members{"alice", "carol"}));
  EXPECT_TRUE(Lists("carol", kG));
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "carol", "j2")), base::Code::kConflict);
  EXPECT_EQ(Try(Change(GroupOp::kLeave, "g", "dave", "l1")), base::Code::kForbidden);

  AppendResult left = Send(Change(GroupOp::kLeave, "g", "carol", "l2"));
  EXPECT_EQ(left.seq, 3);
  EXPECT_EQ(*left.recipients, (Members{"alice", "carol"})) << "the leaver learns of it";
  EXPECT_EQ(*Group("g").members, (Members{"alice"}));
  EXPECT_FALSE(Lists("carol", kG));
  EXPECT_TRUE(Run(store().GroupsOf("carol")).value().empty());
  EXPECT_EQ(Try(Chat("carol", kG, "m1")), base::Code::kForbidden);
}

TEST_P(StoreGroupsTest, InviteSkipsMembersAndNeedsAMember) {
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

TEST_P(StoreGroupsTest, OnlyTheOwnerKicksOthersWhoAreMembers) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "bob", "k1", {"carol"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "alice", "k2", {"alice"})), base::Code::kBadRequest);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "alice", "k3", {"carol", "dave"})),
            base::Code::kNotFound);
  EXPECT_EQ(*Group("g").members, (Members{"alice", "bob", "carol"})) << "refusals change nothing";
  EXPECT_EQ(Send(Chat("alice", kG, "m1")).seq, 2) << "refusals take no seq";
}

TEST_P(StoreGroupsTest, RecipientsFollowMembershipSeqBySeq) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  AppendResult before = Send(Chat("bob", kG, "m1"));
  AppendResult kick = Send(Change(GroupOp::kKick, "g", "alice", "k1", {"bob"}));
  // Through the other gateway, whose member cache (if any) never saw the kick.
  AppendResult after = Run(backend_->Other().Append(Chat("carol", kG, "m2"))).value();

  EXPECT_EQ(*before.recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(*kick.recipients, (Members{"alice", "bob", "carol"})) << "the kicked user learns of it";
  EXPECT_EQ(*after.recipients, (Members{"alice", "carol"}));
  EXPECT_EQ(after.seq, 4);
  EXPECT_EQ(Try(Chat("bob", kG, "m3")), base::Code::kForbidden);
  EXPECT_FALSE(Lists("bob", kG));
}

// GetGroup handing out that same list is RocksStore's only (the cluster store
// builds GetGroup's list anew): rocks_groups_test.cc.
TEST_P(StoreGroupsTest, MessagesShareOneMemberListUntilMembershipChanges) {
  Send(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"})));
  AppendResult m1 = Send(Chat("alice", kG, "m1"));
  AppendResult m2 = Send(Chat("bob", kG, "m2"));
  EXPECT_EQ(m1.recipients.get(), m2.recipients.get());
  Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  AppendResult m3 = Send(Chat("bob", kG, "m3"));
  EXPECT_NE(m3.recipients.get(), m2.recipients.get());
  EXPECT_EQ(*m3.recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(*m2.recipients, (Members{"alice", "bob"})) << "a snapshot never changes";
}

TEST_P(StoreGroupsTest, OwnershipPassesToTheEarliestRemainingMember) {
  Send(At(Open(Change(GroupOp::kCreate, "g", "alice", "c1")), 100));
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

TEST_P(StoreGroupsTest, MembershipAndSeqsSurviveReopen) {
  Send(At(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"})), 100));
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

  auto carols = Run(store().GroupsOf("carol")).value();
  ASSERT_EQ(carols.size(), 2u);
  EXPECT_EQ(carols[0].group_id, "g");
  EXPECT_EQ(*carols[0].members, (Members{"bob", "carol"}));
  EXPECT_EQ(carols[1].group_id, "h");
  EXPECT_EQ(carols[1].owner_id, "carol");
  EXPECT_TRUE(Run(store().GroupsOf("alice")).value().empty());
}

TEST_P(StoreGroupsTest, GroupsOfListsMembersGroups) {
  Send(At(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}), 100));
  Send(Change(GroupOp::kCreate, "h", "carol", "c2", {"bob"}));
  auto bobs = Run(store().GroupsOf("bob")).value();
  ASSERT_EQ(bobs.size(), 2u);
  EXPECT_EQ(bobs[0].group_id, "g");
  EXPECT_EQ(*bobs[0].members, (Members{"alice", "bob"}));
  EXPECT_EQ(bobs[1].owner_id, "carol");
  EXPECT_TRUE(Run(store().GroupsOf("dave")).value().empty());
}

TEST_P(StoreGroupsTest, RetriedChangeReturnsTheOriginal) {
  AppendResult created = Send(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"})));
  AppendResult retry = Send(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"})));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 1);
  EXPECT_EQ(*retry.message_json, *created.message_json);
  EXPECT_EQ(*retry.recipients, (Members{"alice", "bob"}));

  Send(Change(GroupOp::kJoin, "g", "carol", "j1"));
  AppendResult rejoin =
      Run(backend_->Other().Append(Change(GroupOp::kJoin, "g", "carol", "j1"))).value();
  EXPECT_TRUE(rejoin.duplicate);
  EXPECT_EQ(rejoin.seq, 2);
  EXPECT_EQ(*rejoin.recipients, (Members{"alice", "bob", "carol"}));
}

TEST_P(StoreGroupsTest, RetryNamingAnotherConversationKeepsTheOriginalsRecipients) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  Send(Chat("alice", kAB, "p1"));
  AppendResult retry = Send(Chat("alice", kG, "p1"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(*retry.recipients, (Members{"alice", "bob"}));
}

TEST_P(StoreGroupsTest, ChangesBelongInTheirGroupsConversation) {
  AppendRequest in_private = Change(GroupOp::kCreate, "g", "alice", "c1");
  in_private.message.conversation_id = kAB;
  EXPECT_EQ(Try(in_private), base::Code::kBadRequest);
  AppendRequest elsewhere = Change(GroupOp::kCreate, "g", "alice", "c2");
  elsewhere.message.conversation_id = base::GroupConversationId("h");
  EXPECT_EQ(Try(elsewhere), base::Code::kBadRequest);
  EXPECT_EQ(Run(store().GetGroup("g")).error().code, base::Code::kNotFound);
}

TEST_P(StoreGroupsTest, PrivateRecipientsAreTheTwoMembers) {
  AppendResult r = Send(Chat("bob", kAB, "m1", {"alice", "bob"}));
  EXPECT_EQ(*r.recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(*Send(Chat("alice", "private_alice:alice", "m2")).recipients, (Members{"alice"}));
}

// A mute `request` until `until` (ms).
AppendRequest Until(AppendRequest request, std::int64_t until) {
  request.group_change->mute_until = until;
  return request;
}

constexpr std::int64_t kLater = 1800000000000;  // after every test's send_time

TEST_P(StoreGroupsTest, OnlyTheOwnerPromotesAndDemotes) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  EXPECT_EQ(Try(Change(GroupOp::kPromote, "g", "bob", "p1", {"carol"})),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kPromote, "g", "alice", "p2", {"dave"})),
            base::Code::kNotFound);
  AppendResult promoted = Send(Change(GroupOp::kPromote, "g", "alice", "p3", {"bob"}));
  EXPECT_EQ(*promoted.recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(Try(Change(GroupOp::kPromote, "g", "alice", "p4", {"bob"})), base::Code::kConflict);
  EXPECT_EQ(*Group("g").admins, (Members{"bob"}));
  EXPECT_EQ(Group("g").RoleOf("bob"), core::GroupRole::kAdmin);
  // An admin moderates plain members but not the owner, nor promotes.
  EXPECT_EQ(Try(Change(GroupOp::kPromote, "g", "bob", "p5", {"carol"})),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "bob", "k1", {"alice"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kSettings, "g", "bob", "s1")), base::Code::kForbidden);
  Send(Change(GroupOp::kKick, "g", "bob", "k2", {"carol"}));
  Send(Change(GroupOp::kUnban, "g", "bob", "u1", {"carol"}));

  EXPECT_EQ(Try(Change(GroupOp::kDemote, "g", "bob", "d1", {"bob"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kDemote, "g", "alice", "d2", {"carol"})),
            base::Code::kNotFound);
  Send(Change(GroupOp::kDemote, "g", "alice", "d3", {"bob"}));
  EXPECT_TRUE(Group("g").admins->empty());
  EXPECT_EQ(Try(Change(GroupOp::kUnban, "g", "bob", "u2", {"carol"})), base::Code::kForbidden);
}

TEST_P(StoreGroupsTest, TransferMakesTheOldOwnerAnAdmin) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  Send(Change(GroupOp::kPromote, "g", "alice", "p1", {"bob"}));
  Send(Until(Change(GroupOp::kMute, "g", "alice", "m1", {"bob"}), kLater));
  EXPECT_EQ(Try(Change(GroupOp::kTransfer, "g", "bob", "t1", {"carol"})),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kTransfer, "g", "alice", "t2", {"dave"})),
            base::Code::kNotFound);
  Send(Change(GroupOp::kTransfer, "g", "alice", "t3", {"bob"}));
  core::GroupInfo g = Group("g");
  EXPECT_EQ(g.owner_id, "bob");
  EXPECT_EQ(*g.admins, (Members{"alice"}));
  EXPECT_EQ(g.MutedUntil("bob"), 0) << "the owner is never muted";
  EXPECT_EQ(Try(Change(GroupOp::kSettings, "g", "alice", "s1")), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "alice", "k1", {"bob"})), base::Code::kForbidden);
}

TEST_P(StoreGroupsTest, MuteRules) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol", "dave"}));
  Send(Change(GroupOp::kPromote, "g", "alice", "p1", {"bob", "carol"}));
  EXPECT_EQ(Try(Until(Change(GroupOp::kMute, "g", "dave", "m1", {"bob"}), kLater)),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Until(Change(GroupOp::kMute, "g", "bob", "m2", {"alice"}), kLater)),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Until(Change(GroupOp::kMute, "g", "bob", "m3", {"carol"}), kLater)),
            base::Code::kForbidden);
  EXPECT_EQ(Try(Until(Change(GroupOp::kMute, "g", "bob", "m4", {"dave"}), 5)),
            base::Code::kBadRequest);
  EXPECT_EQ(Try(Change(GroupOp::kUnmute, "g", "bob", "u1", {"dave"})), base::Code::kNotFound);
  Send(Until(Change(GroupOp::kMute, "g", "bob", "m5", {"dave"}), kLater));
  Send(Change(GroupOp::kMute, "g", "alice", "m6", {"carol"}));  // until unmuted
  EXPECT_EQ(Group("g").MutedUntil("dave"), kLater);
  EXPECT_EQ(Group("g").MutedUntil("carol"), core::kMutedIndefinitely);
  Send(Change(GroupOp::kUnmute, "g", "bob", "u2", {"dave"}));
  EXPECT_EQ(Group("g").MutedUntil("dave"), 0);
  // Leaving ends a role and a mute: a rejoined member starts plain.
  Send(Change(GroupOp::kLeave, "g", "carol", "l1"));
  Send(Change(GroupOp::kInvite, "g", "alice", "i1", {"carol"}));
  EXPECT_EQ(Group("g").RoleOf("carol"), core::GroupRole::kMember);
  EXPECT_EQ(Group("g").MutedUntil("carol"), 0);
}

TEST_P(StoreGroupsTest, RolesMutesAndSendPolicySurviveReopen) {
  AppendRequest create = Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol", "dave"});
  create.group_change->send_policy = core::SendPolicy::kAdmins;
  Send(std::move(create));
  Send(Change(GroupOp::kPromote, "g", "alice", "p1", {"bob", "carol"}));
  Send(Until(Change(GroupOp::kMute, "g", "bob", "m1", {"dave"}), kLater));
  Send(Change(GroupOp::kTransfer, "g", "alice", "t1", {"carol"}));
  Reopen();

  core::GroupInfo g = Group("g");
  EXPECT_EQ(g.owner_id, "carol");
  EXPECT_EQ(*g.admins, (Members{"alice", "bob"}));
  EXPECT_EQ(g.MutedUntil("dave"), kLater);
  EXPECT_EQ(g.send_policy, core::SendPolicy::kAdmins);
  // The rules still see them after a reopen (the cluster store re-reads MySQL).
  EXPECT_EQ(Try(Change(GroupOp::kKick, "g", "bob", "k1", {"alice"})), base::Code::kForbidden);
  Send(Change(GroupOp::kUnmute, "g", "alice", "u1", {"dave"}));
  AppendRequest settings = Change(GroupOp::kSettings, "g", "carol", "s1");
  settings.group_change->send_policy = core::SendPolicy::kEveryone;
  Send(std::move(settings));
  Reopen();
  EXPECT_EQ(Group("g").MutedUntil("dave"), 0);
  EXPECT_EQ(Group("g").send_policy, core::SendPolicy::kEveryone);
}

}  // namespace
}  // namespace parley::store::testing

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;
using core::GroupOp;

AppendRequest Settings(const std::string& actor, const std::string& msg_id,
                       std::optional<core::JoinPolicy> policy,
                       std::optional<core::HistoryVisibility> history) {
  AppendRequest r = Change(GroupOp::kSettings, "g", actor, msg_id);
  r.group_change->join_policy = policy;
  r.group_change->history_visibility = history;
  return r;
}

TEST_P(StoreGroupsTest, JoinNeedsAnOpenGroupWhichOnlyTheOwnerMakes) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  EXPECT_EQ(Group("g").join_policy, core::JoinPolicy::kInvite) << "the default";
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "carol", "j1")), base::Code::kForbidden);
  EXPECT_EQ(Try(Settings("bob", "s1", core::JoinPolicy::kOpen, std::nullopt)),
            base::Code::kForbidden)
      << "a plain member";
  EXPECT_EQ(Try(Settings("carol", "s2", core::JoinPolicy::kOpen, std::nullopt)),
            base::Code::kForbidden)
      << "an outsider";
  EXPECT_EQ(Try(Settings("alice", "s3", std::nullopt, std::nullopt)), base::Code::kBadRequest);
  EXPECT_EQ(*Group("g").members, (Members{"alice", "bob"})) << "refusals change nothing";

  AppendResult opened = Send(Settings("alice", "s4", core::JoinPolicy::kOpen, std::nullopt));
  EXPECT_EQ(opened.seq, 2);
  EXPECT_EQ(*opened.recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(Group("g").join_policy, core::JoinPolicy::kOpen);
  EXPECT_EQ(Send(Change(GroupOp::kJoin, "g", "carol", "j2")).seq, 3);
  Send(Settings("alice", "s5", core::JoinPolicy::kInvite, std::nullopt));
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "dave", "j3")), base::Code::kForbidden);
}

TEST_P(StoreGroupsTest, AKickBansUntilTheOwnerLiftsIt) {
  Send(Open(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"})));
  Send(Change(GroupOp::kKick, "g", "alice", "k1", {"bob"}));
  EXPECT_EQ(*Group("g").banned, (Members{"bob"}));
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "bob", "j1")), base::Code::kForbidden)
      << "banned, though the group is open";
  EXPECT_EQ(Try(Change(GroupOp::kInvite, "g", "carol", "i1", {"bob"})), base::Code::kForbidden)
      << "a plain member cannot bring a banned user back";
  EXPECT_EQ(Try(Change(GroupOp::kUnban, "g", "carol", "u1", {"bob"})), base::Code::kForbidden);
  EXPECT_EQ(Try(Change(GroupOp::kUnban, "g", "alice", "u2", {"dave"})), base::Code::kNotFound);
  EXPECT_FALSE(Group("g").IsMember("bob"));

  AppendResult unbanned = Send(Change(GroupOp::kUnban, "g", "alice", "u3", {"bob"}));
  EXPECT_EQ(*unbanned.recipients, (Members{"alice", "carol"})) << "the unbanned is no member";
  EXPECT_TRUE(Group("g").banned->empty());
  EXPECT_EQ(Send(Change(GroupOp::kJoin, "g", "bob", "j2")).seq, 4);

  // The owner's invite brings a banned user back and lifts the ban.
  Send(Change(GroupOp::kKick, "g", "alice", "k2", {"carol"}));
  Send(Change(GroupOp::kInvite, "g", "alice", "i2", {"carol"}));
  EXPECT_TRUE(Group("g").IsMember("carol"));
  EXPECT_TRUE(Group("g").banned->empty());
}

TEST_P(StoreGroupsTest, AMemberReadsFromItsJoinUnlessHistoryIsShared) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  Send(Chat("alice", kG, "m1"));
  Send(Change(GroupOp::kInvite, "g", "bob", "i1", {"carol"}));  // seq 3
  Send(Chat("alice", kG, "m2"));
  Send(Change(GroupOp::kLeave, "g", "bob", "l1"));  // seq 5
  Send(Chat("alice", kG, "m3"));
  Send(Change(GroupOp::kInvite, "g", "alice", "i2", {"bob"}));  // seq 7: bob is back

  core::GroupInfo g = Group("g");
  EXPECT_EQ(g.history_visibility, core::HistoryVisibility::kJoined) << "the default";
  EXPECT_EQ(g.FirstReadableSeq("alice"), 1);
  EXPECT_EQ(g.FirstReadableSeq("carol"), 3);
  EXPECT_EQ(g.FirstReadableSeq("bob"), 7) << "a rejoin starts afresh";
  // Unread counts only what a member may read: from its join on.
  EXPECT_EQ(AckOf("carol", kG), 2);
  EXPECT_EQ(AckOf("bob", kG), 6);

  Send(Settings("alice", "s1", std::nullopt, core::HistoryVisibility::kShared));
  EXPECT_EQ(Group("g").FirstReadableSeq("bob"), 1);
  Reopen();
  g = Group("g");
  EXPECT_EQ(g.history_visibility, core::HistoryVisibility::kShared);
  EXPECT_EQ(g.join_policy, core::JoinPolicy::kInvite);
  Send(Settings("alice", "s2", std::nullopt, core::HistoryVisibility::kJoined));
  EXPECT_EQ(Group("g").FirstReadableSeq("carol"), 3) << "join seqs survive a reopen";
  EXPECT_EQ(Group("g").FirstReadableSeq("bob"), 7);
}

TEST_P(StoreGroupsTest, BansAndSettingsSurviveReopen) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob", "carol"}));
  Send(Settings("alice", "s1", core::JoinPolicy::kOpen, core::HistoryVisibility::kShared));
  Send(Change(GroupOp::kKick, "g", "alice", "k1", {"bob", "carol"}));
  Reopen();
  core::GroupInfo g = Group("g");
  EXPECT_EQ(*g.banned, (Members{"bob", "carol"}));
  EXPECT_EQ(g.join_policy, core::JoinPolicy::kOpen);
  EXPECT_EQ(g.history_visibility, core::HistoryVisibility::kShared);
  EXPECT_EQ(Try(Change(GroupOp::kJoin, "g", "bob", "j1")), base::Code::kForbidden);
  EXPECT_EQ(Send(Change(GroupOp::kJoin, "g", "dave", "j2")).seq, 4);
}

}  // namespace
}  // namespace parley::store::testing
