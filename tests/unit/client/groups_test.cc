// SyncClient's GROUP calls against the FakeServer: replies, error codes, and
// the membership system messages that members receive as pushes.

#include <gtest/gtest.h>

#include "client/group_packets.h"
#include "client_fixture.h"

namespace parley::client {
namespace {

using GroupsTest = testing::ClientFixture;

TEST_F(GroupsTest, CreateInviteKickLeaveAndList) {
  testing::DeliveryLog bob_log;
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob", &bob_log);
  auto carol = LoggedIn("carol");

  auto created = alice->GroupCreate("Team", {"bob"}, "team");
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->group_id, "team");
  EXPECT_EQ(created->conversation_id, "group_team");
  EXPECT_EQ(created->seq, 1);

  auto invited = alice->GroupInvite("team", {"carol"});
  ASSERT_TRUE(invited) << invited.error().message;
  EXPECT_EQ(invited->seq, 2);
  auto members = carol->GroupMembers("team");
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_EQ(members->name, "Team");
  EXPECT_EQ(members->owner_id, "alice");
  EXPECT_EQ(members->members, (std::vector<std::string>{"alice", "bob", "carol"}));

  auto mine = bob->MyGroups();
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].member_count, 3);
  EXPECT_EQ((*mine)[0].conversation_id, "group_team");

  ASSERT_TRUE(alice->GroupKick("team", {"carol"}));
  ASSERT_TRUE(bob->GroupLeave("team"));
  auto rejoined = bob->GroupJoin("team");
  ASSERT_TRUE(rejoined) << rejoined.error().message;
  EXPECT_EQ(rejoined->seq, 5);

  // Bob saw every change (the one he left by included) as system messages.
  auto seqs = bob_log.WaitFor(5);
  EXPECT_EQ(seqs, testing::OneTo(5));
  std::vector<std::string> events;
  for (const protocol::Message& m : bob_log.Messages()) {
    auto event = ParseGroupEvent(m);
    ASSERT_TRUE(event) << m.content;
    events.push_back(event->event);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"create", "invite", "kick", "leave", "join"}));
}

TEST_F(GroupsTest, ErrorsComeBackWithTheirCodes) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  ASSERT_TRUE(alice->GroupCreate("Team", {}, "team"));

  auto exists = bob->GroupCreate("Other", {}, "team");
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.error().code, base::Code::kConflict);
  auto missing = bob->GroupJoin("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  auto outsider = bob->GroupMembers("team");
  ASSERT_FALSE(outsider);
  EXPECT_EQ(outsider.error().code, base::Code::kForbidden);
  auto chat = bob->SendToConversation("group_team", "hi");
  ASSERT_FALSE(chat);
  EXPECT_EQ(chat.error().code, base::Code::kForbidden);

  ASSERT_TRUE(bob->GroupJoin("team"));
  auto again = bob->GroupJoin("team");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, base::Code::kConflict);
  auto not_owner = bob->GroupKick("team", {"alice"});
  ASSERT_FALSE(not_owner);
  EXPECT_EQ(not_owner.error().code, base::Code::kForbidden);
}

}  // namespace
}  // namespace parley::client
