#include <gtest/gtest.h>

#include "base/ids.h"
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
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"},
                                {"name", "T"},
                                {"group_id", "t"},
                                {"join_policy", "open"}})),
            0);
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
  EXPECT_EQ(Code(Group(*bob, {{"op", "leave"}, {"group_id", "t"}})), 403);
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
  EXPECT_EQ(sync.at("expired_reason").as_string(), "capped");
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

// Seqs of a PULL or HISTORY reply's messages, in reply order.
std::vector<std::int64_t> Seqs(const json::object& reply) {
  std::vector<std::int64_t> out;
  for (const auto& m : reply.at("payload").as_array()) out.push_back(m.at("seq").as_int64());
  return out;
}

TEST_F(GroupServiceTest, AnInvitedMemberReadsFromItsJoinUnlessHistoryIsShared) {
  auto alice = Connect("alice");
  auto carol = Connect("carol");
  Register("bob");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"},
                                {"members", json::array{"bob"}}})),
            0);
  GroupChat(*alice, "t", "before carol", "a1");                       // 2
  ASSERT_EQ(Code(Group(*alice, {{"op", "invite"}, {"group_id", "t"},   // 3
                                {"members", json::array{"carol"}}})),
            0);
  GroupChat(*alice, "t", "after carol", "a2");  // 4

  auto pulled = Send(*carol, {{"cmd", 3}, {"conversation_id", "group_t"}, {"cursor_seq", 0}});
  EXPECT_EQ(Seqs(pulled), (std::vector<std::int64_t>{3, 4}));
  auto older = Send(*carol, {{"cmd", 8}, {"conversation_id", "group_t"}, {"before_seq", 0}});
  EXPECT_EQ(Seqs(older), (std::vector<std::int64_t>{4, 3}));
  EXPECT_FALSE(older.at("has_more").as_bool());
  auto none = Send(*carol, {{"cmd", 8}, {"conversation_id", "group_t"}, {"before_seq", 3}});
  EXPECT_TRUE(none.at("payload").as_array().empty());
  auto list = Send(*carol, {{"cmd", 9}});
  EXPECT_EQ(list.at("conversations").as_array()[0].at("unread").as_int64(), 2);

  EXPECT_EQ(Code(Group(*carol, {{"op", "settings"}, {"group_id", "t"},
                                {"history_visibility", "shared"}})),
            403);
  EXPECT_EQ(Code(Group(*alice, {{"op", "settings"}, {"group_id", "t"},
                                {"history_visibility", "everything"}})),
            400);
  ASSERT_EQ(Code(Group(*alice, {{"op", "settings"}, {"group_id", "t"},
                                {"history_visibility", "shared"}})),
            0);
  pulled = Send(*carol, {{"cmd", 3}, {"conversation_id", "group_t"}, {"cursor_seq", 0}});
  EXPECT_EQ(Seqs(pulled), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(GroupServiceTest, AKickedMemberBroughtBackDoesNotReadWhatWasSaidWhileOut) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "T"}, {"group_id", "t"},
                                {"members", json::array{"bob"}}, {"join_policy", "open"}})),
            0);
  ASSERT_EQ(Code(Group(*alice, {{"op", "kick"}, {"group_id", "t"},  // 2
                                {"members", json::array{"bob"}}})),
            0);
  GroupChat(*alice, "t", "while bob is out", "a1");  // 3
  EXPECT_EQ(Code(Group(*bob, {{"op", "join"}, {"group_id", "t"}})), 403) << "banned";
  auto members = Group(*alice, {{"op", "members"}, {"group_id", "t"}});
  EXPECT_EQ(members.at("banned").as_array().size(), 1u);
  EXPECT_EQ(members.at("join_policy").as_string(), "open");
  ASSERT_EQ(Code(Group(*alice, {{"op", "unban"}, {"group_id", "t"},  // 4
                                {"members", json::array{"bob"}}})),
            0);
  ASSERT_EQ(Code(Group(*bob, {{"op", "join"}, {"group_id", "t"}})), 0);  // 5
  EXPECT_FALSE(Group(*bob, {{"op", "members"}, {"group_id", "t"}}).contains("banned"))
      << "only moderators see the ban list";
  auto pulled = Send(*bob, {{"cmd", 3}, {"conversation_id", "group_t"}, {"cursor_seq", 1}});
  EXPECT_EQ(Seqs(pulled), (std::vector<std::int64_t>{5}));
  auto older = Send(*bob, {{"cmd", 8}, {"conversation_id", "group_t"}, {"before_seq", 0}});
  EXPECT_EQ(Seqs(older), (std::vector<std::int64_t>{5}));
}

TEST_F(GroupServiceTest, AnInviteOnlyGroupRefusesJoin) {
  auto alice = Connect("alice");
  auto eve = Connect("eve");
  ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "Club"}, {"group_id", "club"}})), 0);
  EXPECT_EQ(Code(Group(*eve, {{"op", "join"}, {"group_id", "club"}})), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 3}, {"conversation_id", "group_club"}})), 403);
  EXPECT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "C"}, {"group_id", "c2"},
                                {"join_policy", "anyone"}})),
            400);
}

TEST_F(GroupServiceTest, AReusedMsgIdIsAConflictButARetryIsNot) {
  auto alice = Connect("alice");
  Register("bob");
  Register("carol");
  auto first = Chat(*alice, "bob", "hello", "m1");
  ASSERT_EQ(Code(first), 0);
  auto retry = Chat(*alice, "bob", "hello", "m1");
  EXPECT_EQ(Code(retry), 0);
  EXPECT_EQ(retry.at("seq").as_int64(), first.at("seq").as_int64());
  EXPECT_EQ(Code(Chat(*alice, "carol", "hello", "m1")), 409) << "another conversation";
  EXPECT_EQ(Code(Chat(*alice, "bob", "something else", "m1")), 409) << "other content";
  auto pulled = Send(*alice, {{"cmd", 3},
                              {"conversation_id", base::PrivateConversationId("alice", "carol")}});
  EXPECT_TRUE(pulled.at("payload").as_array().empty()) << "nothing was stored";
}

TEST_F(GroupServiceTest, ConversationsComeInPagesMostRecentFirst) {
  auto alice = Connect("alice");
  const std::vector<std::string> peers = {"p1", "p2", "p3", "p4", "p5"};
  for (const std::string& peer : peers) {
    Register(peer);
    clock_.AdvanceMs(10);
    ASSERT_EQ(Code(Chat(*alice, peer, "hi", "m-" + peer)), 0);
  }
  std::vector<std::string> listed;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    json::object request{{"cmd", 9}, {"limit", 2}};
    if (!cursor.empty()) request["cursor"] = cursor;
    auto reply = Send(*alice, request);
    ASSERT_EQ(Code(reply), 0) << json::serialize(reply);
    const auto& items = reply.at("conversations").as_array();
    EXPECT_LE(items.size(), 2u);
    for (const auto& item : items) {
      listed.emplace_back(item.at("last_message").at("conversation_id").as_string());
    }
    if (!reply.at("has_more").as_bool()) break;
    cursor = reply.at("next_cursor").as_string();
  }
  std::vector<std::string> expected;
  for (auto it = peers.rbegin(); it != peers.rend(); ++it) {
    expected.push_back(base::PrivateConversationId("alice", *it));
  }
  EXPECT_EQ(listed, expected) << "every conversation once, the newest first";
  EXPECT_EQ(Code(Send(*alice, {{"cmd", 9}, {"cursor", "not a cursor"}})), 400);
  EXPECT_EQ(Send(*alice, {{"cmd", 9}}).at("conversations").as_array().size(), 5u)
      << "the default page holds them all";
}

TEST_F(GroupServiceTest, SyncListsOnlyTheGroupsThatMovedSinceItsLastAnswer) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (const char* id : {"g1", "g2", "g3"}) {
    ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "G"}, {"group_id", id},
                                  {"members", json::array{"bob"}}})),
              0);
  }
  clock_.AdvanceMs(10 * 60 * 1000);  // well past the margin
  auto first = Send(*bob, {{"cmd", 6}, {"inbox_seq", 0}});
  ASSERT_EQ(Code(first), 0);
  EXPECT_EQ(first.at("conversations").as_array().size(), 3u) << "no groups_since: every group";
  EXPECT_FALSE(first.at("conversations_truncated").as_bool());
  const std::int64_t since = first.at("next_groups_since").as_int64();
  const std::int64_t cursor = first.at("next_inbox_seq").as_int64();

  auto quiet = Send(*bob, {{"cmd", 6}, {"inbox_seq", cursor}, {"groups_since", since}});
  ASSERT_EQ(Code(quiet), 0);
  EXPECT_TRUE(quiet.at("conversations").as_array().empty()) << "nothing moved since";

  GroupChat(*alice, "g3", "news", "a1");
  auto moved = Send(*bob, {{"cmd", 6}, {"inbox_seq", cursor}, {"groups_since", since}});
  ASSERT_EQ(moved.at("conversations").as_array().size(), 1u);
  EXPECT_EQ(moved.at("conversations").as_array()[0].at("conversation_id").as_string(),
            "group_g3");
  EXPECT_EQ(moved.at("conversations").as_array()[0].at("max_seq").as_int64(), 2);
  EXPECT_EQ(Code(Send(*bob, {{"cmd", 6}, {"groups_since", -1}})), 400);
}

TEST_F(GroupServiceTest, SyncListsABoundedNumberOfGroupsAndSaysSo) {
  auto alice = Connect("alice");
  for (std::size_t i = 0; i <= kSyncMaxGroups; ++i) {
    ASSERT_EQ(Code(Group(*alice, {{"op", "create"}, {"name", "G"}})), 0);
  }
  auto sync = Send(*alice, {{"cmd", 6}, {"inbox_seq", 0}, {"limit", 500}});
  EXPECT_EQ(sync.at("conversations").as_array().size(), kSyncMaxGroups);
  EXPECT_TRUE(sync.at("conversations_truncated").as_bool());
  auto first_page = Send(*alice, {{"cmd", 9}});
  EXPECT_TRUE(first_page.at("has_more").as_bool()) << "CONVERSATIONS pages the rest";
}

}  // namespace
}  // namespace parley::core::testing
