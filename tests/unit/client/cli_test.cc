// The parley CLI's formatting, and its commands run against the FakeServer.

#include <gtest/gtest.h>

#include <future>

#include "client_fixture.h"
#include "tools/cli_commands.h"
#include "tools/cli_format.h"

namespace parley::tools {
namespace {

protocol::Message Msg(std::string conversation_id, std::string sender, std::string content,
                      std::int64_t seq, std::int64_t msg_type = protocol::kMsgTypeText) {
  protocol::Message m;
  m.conversation_id = std::move(conversation_id);
  m.sender_id = std::move(sender);
  m.content = std::move(content);
  m.seq = seq;
  m.msg_type = msg_type;
  return m;
}

protocol::Message Event(std::string content) {
  return Msg("group_team", "alice", std::move(content), 1, protocol::kMsgTypeSystem);
}

TEST(CliFormatTest, Messages) {
  EXPECT_EQ(FormatMessage(Msg("private_alice:bob", "alice", "Hello, Bob!", 3)),
            "[alice] → Hello, Bob! (seq 3)");
  EXPECT_EQ(FormatMessage(Msg("group_team", "alice", "hi", 4)), "[#team alice] → hi (seq 4)");
}

TEST(CliFormatTest, MembershipEvents) {
  EXPECT_EQ(FormatMessage(Event(R"({"event":"invite","actor":"alice","users":["bob","carol"]})")),
            "[#team] * alice added bob, carol");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"create","actor":"alice","users":["bob"],
                                    "name":"Team"})")),
            "[#team] * alice created \"Team\" with bob");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"join","actor":"bob","users":[]})")),
            "[#team] * bob joined");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"leave","actor":"bob","users":["bob"]})")),
            "[#team] * bob left");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"kick","actor":"alice","users":["carol"]})")),
            "[#team] * carol was removed by alice");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"kick","actor":"alice","users":["c","d"]})")),
            "[#team] * c, d were removed by alice");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"unban","actor":"alice","users":["carol"]})")),
            "[#team] * alice lifted the ban on carol");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"settings","actor":"alice","users":[],
                                    "join_policy":"open"})")),
            "[#team] * alice changed the group's settings");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"promote","actor":"alice","users":["bob"]})")),
            "[#team] * alice made bob admin");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"demote","actor":"alice","users":["bob"]})")),
            "[#team] * alice made bob plain members");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"transfer","actor":"alice","users":["bob"]})")),
            "[#team] * alice handed the group over to bob");
  EXPECT_EQ(FormatMessage(Event(
                R"({"event":"mute","actor":"bob","users":["carol"],"until":1700000000000})")),
            "[#team] * bob muted carol until 2023-11-14 22:13:20 UTC");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"mute","actor":"bob","users":["carol"],"until":0})")),
            "[#team] * bob muted carol until unmuted");
  EXPECT_EQ(FormatMessage(Event(R"({"event":"unmute","actor":"bob","users":["carol"]})")),
            "[#team] * bob unmuted carol");
  EXPECT_EQ(FormatMessage(Event("not json")), "[#team] * not json");
}

TEST(CliFormatTest, Typing) {
  EXPECT_EQ(FormatTyping({"private_alice:bob", "bob", protocol::TypingState::kTyping}),
            "bob is typing…");
  EXPECT_EQ(FormatTyping({"private_alice:bob", "bob", protocol::TypingState::kStopped}),
            "bob stopped typing");
  EXPECT_EQ(FormatTyping({"group_team", "carol", protocol::TypingState::kTyping}),
            "[#team] carol is typing…");
}

TEST(CliFormatTest, ConversationLines) {
  client::ConversationInfo c;
  c.conversation_id = "private_alice:bob";
  c.unread = 3;
  c.last_message = Msg("private_alice:bob", "bob", "hi", 7);
  EXPECT_EQ(FormatConversation(c), "private_alice:bob  unread 3  last: [bob] hi");
  c.last_message.reset();
  EXPECT_EQ(FormatConversation(c), "private_alice:bob  unread 3");
}

class CliCommandsTest : public client::testing::ClientFixture {
 protected:
  // Runs `line` as `me`; returns the printed lines (errors included).
  std::vector<std::string> Run(client::SyncClient& c, const std::string& me,
                               const std::string& line) {
    std::vector<std::string> lines;
    Output out{[&](std::string_view l) { lines.emplace_back(l); },
               [&](std::string_view l) { lines.emplace_back(l); }};
    RunCommand(c, me, line, out);
    return lines;
  }
  using Lines = std::vector<std::string>;
};

TEST_F(CliCommandsTest, GroupCommands) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  EXPECT_EQ(Run(*alice, "alice", "group create Team bob"), Lines({"g1"}));
  EXPECT_EQ(Run(*alice, "alice", "group invite #g1 carol"), Lines({"✓ added carol to #g1"}));
  EXPECT_EQ(Run(*bob, "bob", "group members g1"),
            Lines({"#g1 \"Team\" (owner alice): alice, bob, carol"}));
  EXPECT_EQ(Run(*bob, "bob", "group mine"), Lines({"#g1  \"Team\"  3 members  owner alice"}));
  EXPECT_EQ(Run(*bob, "bob", "send #g1 hi"), Lines({"✓ seq 3"}));
  EXPECT_EQ(Run(*bob, "bob", "group kick g1 carol"), Lines({"error 403: not the owner"}));
  EXPECT_EQ(Run(*alice, "alice", "group kick g1 carol"), Lines({"✓ removed carol from #g1"}));
  EXPECT_EQ(Run(*bob, "bob", "group leave g1"), Lines({"✓ left #g1"}));
  EXPECT_EQ(Run(*bob, "bob", "group join g1"), Lines({"✓ joined #g1"}));
  EXPECT_EQ(Run(*alice, "alice", "history #g1 2"),
            Lines({"[#g1] * bob left", "[#g1] * bob joined"}));
  EXPECT_EQ(Run(*alice, "alice", "group invite g1").size(), 1u);  // usage
}

TEST_F(CliCommandsTest, TypingReachesThePeer) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  std::promise<protocol::TypingEvent> seen;
  bob->SetTypingHandler([&](const protocol::TypingEvent& e) { seen.set_value(e); });
  EXPECT_EQ(Run(*alice, "alice", "typing bob"), Lines({"✓ typing…"}));
  auto event = seen.get_future();
  ASSERT_EQ(event.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(FormatTyping(event.get()), "alice is typing…");
  EXPECT_EQ(Run(*alice, "alice", "typing #nope"), Lines({"error 403: not a member"}));
  EXPECT_EQ(Run(*alice, "alice", "typing bob soon"),
            Lines({"error 400: usage: typing USER|#GROUP [stop]"}));
}

TEST_F(CliCommandsTest, UnreadShowsAndAcksOnce) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  ASSERT_TRUE(alice->SendTo("bob", "one"));
  ASSERT_TRUE(alice->SendTo("bob", "two"));
  EXPECT_EQ(Run(*bob, "bob", "conversations"),
            Lines({"private_alice:bob  unread 2  last: [alice] two"}));
  EXPECT_EQ(Run(*bob, "bob", "unread"), Lines({"[alice] → one (seq 1)", "[alice] → two (seq 2)"}));
  EXPECT_EQ(Run(*bob, "bob", "unread"), Lines({"(no unread messages)"}));
}

}  // namespace
}  // namespace parley::tools
