#include "client/group_packets.h"

#include <gtest/gtest.h>

#include "protocol/packet.h"

namespace parley::client {
namespace {

boost::json::object Parse(std::string_view text) { return *protocol::ParseObject(text); }

TEST(GroupPacketsTest, BuildsRequestBodies) {
  auto create = GroupCreateBody("Team", {"bob", "carol"}, "");
  EXPECT_EQ(create.at("cmd").as_int64(), 7);
  EXPECT_EQ(create.at("op").as_string(), "create");
  EXPECT_EQ(create.at("name").as_string(), "Team");
  EXPECT_EQ(create.at("members").as_array().size(), 2u);
  EXPECT_FALSE(create.contains("group_id"));
  EXPECT_EQ(GroupCreateBody("Team", {}, "team").at("group_id").as_string(), "team");

  auto join = GroupBody("join", "team");
  EXPECT_EQ(join.at("op").as_string(), "join");
  EXPECT_EQ(join.at("group_id").as_string(), "team");
  auto kick = GroupMembersBody("kick", "team", {"carol"});
  EXPECT_EQ(kick.at("members").as_array()[0].as_string(), "carol");
  EXPECT_EQ(GroupMineBody().at("op").as_string(), "mine");
}

TEST(GroupPacketsTest, ParsesReplies) {
  auto reply = ParseGroupReply(
      Parse(R"({"cmd":7,"code":0,"group_id":"team","conversation_id":"group_team","seq":4})"));
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->group_id, "team");
  EXPECT_EQ(reply->conversation_id, "group_team");
  EXPECT_EQ(reply->seq, 4);
  EXPECT_FALSE(ParseGroupReply(Parse(R"({"cmd":7,"code":0,"seq":4})")));

  auto members = ParseGroupMembers(
      Parse(R"({"group_id":"team","name":"Team","owner_id":"alice","members":["alice","bob"]})"));
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_EQ(members->owner_id, "alice");
  EXPECT_EQ(members->members, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_FALSE(
      ParseGroupMembers(Parse(R"({"group_id":"t","name":"T","owner_id":"a","members":[1]})")));
  auto roles = ParseGroupMembers(Parse(
      R"({"group_id":"t","name":"T","owner_id":"a","members":["a","b","c"],"admins":["b"],
          "muted":[{"user":"c","until":5}],"only_admins_send":true})"));
  ASSERT_TRUE(roles) << roles.error().message;
  EXPECT_EQ(roles->admins, (std::vector<std::string>{"b"}));
  ASSERT_EQ(roles->muted.size(), 1u);
  EXPECT_EQ(roles->muted[0].user_id, "c");
  EXPECT_EQ(roles->muted[0].until, 5);
  EXPECT_EQ(roles->send_policy, SendPolicy::kOnlyAdmins);

  auto mine = ParseMyGroups(Parse(
      R"({"groups":[{"group_id":"team","name":"Team","owner_id":"alice","member_count":3,
          "conversation_id":"group_team"}]})"));
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].member_count, 3);
  EXPECT_EQ((*mine)[0].conversation_id, "group_team");
  EXPECT_FALSE(ParseMyGroups(Parse(R"({"groups":{}})")));
}

TEST(GroupPacketsTest, ParsesSystemMessageEvents) {
  protocol::Message m;
  m.msg_type = protocol::kMsgTypeSystem;
  m.sender_id = "alice";
  m.content = R"({"event":"invite","actor":"alice","users":["bob","carol"],"name":"Team"})";
  auto event = ParseGroupEvent(m);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, "invite");
  EXPECT_EQ(event->actor, "alice");
  EXPECT_EQ(event->users, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(event->name, "Team");

  m.content = "not json";
  EXPECT_FALSE(ParseGroupEvent(m));
  m.msg_type = protocol::kMsgTypeText;
  m.content = R"({"event":"join"})";
  EXPECT_FALSE(ParseGroupEvent(m));  // only system messages carry events
}

}  // namespace
}  // namespace parley::client
