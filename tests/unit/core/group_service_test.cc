#include <gtest/gtest.h>

#include "unit/core/core_fixture.h"

namespace parley::core::testing {
namespace {

class GroupServiceTest : public ::testing::Test, public CoreFixture {
 protected:
  json::object Group(Conn& conn, json::object request) {
    request["cmd"] = 7;
    return Send(conn, request);
  }
  json::object GroupChat(Conn& conn, const std::string& group, const std::string& text,
                         const std::string& msg_id) {
    return Send(conn, {{"cmd", 2}, {"msg_id", msg_id}, {"conversation_id", "group_" + group},
                       {"payload", {{"content", text}}}});
  }
};

std::int64_t Code(const json::object& reply) { return reply.at("code").as_int64(); }

TEST_F(GroupServiceTest, CreateSendAndEveryMemberGetsItOnce) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  auto carol = Connect("carol");
  auto created = Group(*alice, {{"op", "create"}, {"name", "Team"}, {"group_id", "team"},
                                {"members", json::array{"bob", "carol"}}});
  ASSERT_EQ(Code(created), 0) << json::serialize(created);
  EXPECT_EQ(created.at("conversation_id").as_string(), "group_team");
  EXPECT_EQ(created.at("seq").as_int64(), 1);
  // The creation is a system message everyone sees.
  ASSERT_EQ(bob->session->delivered.size(), 1u);
  EXPECT_EQ(bob->session->delivered[0].at("payload").at("msg_type").as_int64(), 100);

  auto sent = GroupChat(*bob, "team", "hello team", "b1");
  ASSERT_EQ(Code(sent), 0);
  EXPECT_EQ(sent.at("seq").as_int64(), 2);
  EXPECT_EQ(alice->session->delivered.size(), 1u);  // the chat; its own create was acked
  EXPECT_EQ(carol->session->delivered.size(), 2u);
  EXPECT_EQ(bob->session->delivered.size(), 1u);  // no echo to the sender's connection
}

TEST_F(GroupServiceTest, NonMembersAreRefusedEverywhere) {
  auto alice = Connect("alice");
  auto eve = Connect("eve");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"}})), 0);
  EXPECT_EQ(Code(GroupChat(*eve, "t", "hi", "e1")), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 3}, {"conversation_id", "group_t"}})), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 8}, {"conversation_id", "group_t"}})), 403);
  EXPECT_EQ(Code(Group(*eve, {{"op", "members"}, {"group_id", "t"}})), 403);
  EXPECT_EQ(Code(GroupChat(*eve, "nope", "hi", "e2")), 404);
}

TEST_F(GroupServiceTest, KickedMemberReceivesNothingAfterTheKick) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"},
                                {"members", json::array{"bob"}}})),
            0);
  GroupChat(*alice, "t", "before", "a1");
  EXPECT_EQ(Code(Group(*bob, {{"op", "kick"}, {"group_id", "t"},
                              {"members", json::array{"alice"}}})),
            403);  // only the owner kicks
  auto kick = Group(*alice, {{"op", "kick"}, {"group_id", "t"}, {"members", json::array{"bob"}}});
  ASSERT_EQ(Code(kick), 0);
  GroupChat(*alice, "t", "after", "a2");
  // bob saw create, "before", and his own kick notice; not "after".
  ASSERT_EQ(bob->session->delivered.size(), 3u);
  EXPECT_EQ(bob->session->delivered[2].at("payload").at("seq").as_int64(),
            kick.at("seq").as_int64());
  EXPECT_EQ(Code(GroupChat(*bob, "t", "let me in", "b1")), 403);
}

TEST_F(GroupServiceTest, JoinLeaveInviteMembersAndMine) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  Register("carol");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"}})), 0);
  EXPECT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"}})), 409);
  EXPECT_EQ(Code(Group(*bob, {{"op", "join"}, {"group_id", "t"}})), 0);
  EXPECT_EQ(Code(Group(*bob, {{"op", "join"}, {"group_id", "t"}})), 409);
  EXPECT_EQ(Code(Group(*bob, {{"op", "invite"}, {"group_id", "t"},
                              {"members", json::array{"carol"}}})),
            0);
  EXPECT_EQ(Code(Group(*bob, {{"op", "invite"}, {"group_id", "t"},
                              {"members", json::array{"ghost"}}})),
            404);
  auto members = Group(*alice, {{"op", "members"}, {"group_id", "t"}});
  EXPECT_EQ(members.at("members").as_array().size(), 3u);
  EXPECT_EQ(members.at("owner_id").as_string(), "alice");
  EXPECT_EQ(Code(Group(*bob, {{"op", "leave"}, {"group_id", "t"}})), 0);
  EXPECT_EQ(Code(Group(*bob, {{"op", "leave"}, {"group_id", "t"}})), 404);
  auto mine = Group(*alice, {{"op", "mine"}});
  ASSERT_EQ(mine.at("groups").as_array().size(), 1u);
  EXPECT_EQ(mine.at("groups").as_array()[0].at("member_count").as_int64(), 2);
  EXPECT_EQ(Code(Group(*alice, {{"op", "dance"}})), 400);
  EXPECT_EQ(Code(Group(*alice, {{"op", "join"}})), 400);
}

TEST_F(GroupServiceTest, SyncReturnsInboxEntriesAndGroupPositions) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  Chat(*alice, "bob", "one", "m1");
  Chat(*alice, "bob", "two", "m2");
  Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"},
                 {"members", json::array{"bob"}}});
  auto sync = Send(*bob, {{"cmd", 6}, {"inbox_seq", 0}, {"limit", 2}});
  ASSERT_EQ(Code(sync), 0) << json::serialize(sync);
  EXPECT_EQ(sync.at("payload").as_array().size(), 2u);
  EXPECT_TRUE(sync.at("has_more").as_bool());
  EXPECT_EQ(sync.at("next_inbox_seq").as_int64(), 2);
  auto rest = Send(*bob, {{"cmd", 6}, {"inbox_seq", 2}});
  ASSERT_EQ(rest.at("payload").as_array().size(), 1u);
  EXPECT_EQ(rest.at("payload").as_array()[0].at("message").at("conversation_id").as_string(),
            "group_t");
  EXPECT_FALSE(rest.at("has_more").as_bool());
  auto& groups = rest.at("conversations").as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].at("max_seq").as_int64(), 1);
}

TEST_F(GroupServiceTest, ExpiredCursorIsToldSo) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (int i = 0; i < 3; ++i) Chat(*alice, "bob", "x", "m" + std::to_string(i));
  store_.TrimInboxForTest("bob", 2);
  auto sync = Send(*bob, {{"cmd", 6}, {"inbox_seq", 0}});
  EXPECT_TRUE(sync.at("expired").as_bool());
  EXPECT_EQ(sync.at("next_inbox_seq").as_int64(), 3);
  EXPECT_TRUE(sync.at("payload").as_array().empty());
}

TEST_F(GroupServiceTest, AckIsAnnouncedToTheUsersOtherDevices) {
  auto alice = Connect("alice");
  auto bob1 = Connect("bob");
  auto bob2 = Connect("bob");
  Chat(*alice, "bob", "x", "m1");
  bob1->session->delivered.clear();
  bob2->session->delivered.clear();
  Send(*bob1, {{"cmd", 4}, {"conversation_id", "private_alice:bob"}, {"seq", 1}});
  EXPECT_TRUE(bob1->session->delivered.empty());
  ASSERT_EQ(bob2->session->delivered.size(), 1u);
  EXPECT_EQ(bob2->session->delivered[0].at("event").as_string(), "ack");
  EXPECT_EQ(bob2->session->delivered[0].at("last_ack_seq").as_int64(), 1);
}

}  // namespace
}  // namespace parley::core::testing
