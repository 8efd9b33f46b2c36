// Groups against a real parleyd: mixed transports, membership enforcement,
// kicks mid-stream, a group above the fan-out threshold with most members
// offline, threshold crossings, and inbox retention.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <thread>

#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"
#include "integration/harness/tcp_proxy.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class GroupsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    flags_ = std::move(flags);
    server_ = ServerProcess::Start(dir_.path() / "data", flags_);
    ASSERT_TRUE(server_);
  }
  void Restart() {
    ASSERT_EQ(server_->Terminate(), 0) << server_->Log();
    server_ = ServerProcess::Start(dir_.path() / "data", flags_);
    ASSERT_TRUE(server_);
  }
  const std::string& Token(const std::string& user) {
    auto& token = tokens_[user];
    if (token.empty()) token = RegisterUser(server_->ws_port(), user);
    EXPECT_FALSE(token.empty()) << user;
    return token;
  }

  TempDir dir_;
  std::vector<std::string> flags_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(GroupsTest, ThreeMembersOnMixedTransportsGetEveryMessageOnceInOrder) {
  Start();
  Device alice(server_->tcp_port(), Token("alice"));
  Device bob(server_->ws_port(), Token("bob"), /*websocket=*/true);
  Device carol(server_->tcp_port(), Token("carol"));
  auto group = alice.client().GroupCreate("trio", {"bob", "carol"}, "trio");
  ASSERT_TRUE(group) << group.error().message;

  for (int i = 0; i < 30; ++i) {
    Device& sender = i % 3 == 0 ? alice : i % 3 == 1 ? bob : carol;
    auto ack = sender.client().SendToConversation("group_trio", "m" + std::to_string(i));
    ASSERT_TRUE(ack) << ack.error().message;
    EXPECT_EQ(ack->seq, i + 2);  // seq 1 is the creation
  }
  for (Device* d : {&alice, &bob, &carol}) {
    ASSERT_TRUE(d->client().Sync());
    auto got = d->Received()["group_trio"];
    // Each member sees the creation and everyone else's messages; its own
    // sends are acked to it, not delivered back.
    EXPECT_EQ(got.size(), 21u);
    for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].seq, got[i].seq);
  }

  // A non-member is refused with 403 on send, pull and history.
  RawTcpClient eve(server_->tcp_port());
  ASSERT_TRUE(eve.Login(Token("eve")));
  auto send = eve.Call(2, {{"msg_id", "e1"}, {"conversation_id", "group_trio"},
                           {"payload", {{"content", "hi"}}}});
  auto pull = eve.Call(3, {{"conversation_id", "group_trio"}, {"cursor_seq", 0}});
  auto history = eve.Call(8, {{"conversation_id", "group_trio"}});
  ASSERT_TRUE(send && pull && history);
  EXPECT_EQ(send->at("code").as_int64(), 403);
  EXPECT_EQ(pull->at("code").as_int64(), 403);
  EXPECT_EQ(history->at("code").as_int64(), 403);
}

TEST_F(GroupsTest, KickedMemberReceivesNothingSentAfterTheKick) {
  Start();
  Device owner(server_->tcp_port(), Token("owner"));
  Device victim(server_->tcp_port(), Token("victim"));
  ASSERT_TRUE(owner.client().GroupCreate("g", {"victim"}, "g"));
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  const std::string owner_token = Token("owner");
  std::thread sender([&] {
    Device writer(server_->tcp_port(), owner_token);
    while (!stop) {
      if (writer.client().SendToConversation("group_g", "tick")) ++sent;
    }
  });
  auto wait_sent = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sent < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return sent >= n;
  };
  const bool started = wait_sent(50);
  auto kick = owner.client().GroupKick("g", {"victim"});
  const bool went_on = wait_sent(started ? 150 : 0);
  stop = true;
  sender.join();
  ASSERT_TRUE(started && went_on) << "the sender stalled";
  ASSERT_TRUE(kick) << kick.error().message;

  // Every group push was queued to the victim's connection before the
  // sender's acks came back; a 1:1 message queued after them is a barrier:
  // once it arrives, so has anything the victim was (wrongly) sent.
  const std::size_t before_barrier = victim.ReceivedCount();
  ASSERT_TRUE(owner.client().SendTo("victim", "barrier"));
  ASSERT_TRUE(victim.WaitForCount(before_barrier + 1));
  auto got = victim.Received()["group_g"];
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().seq, kick->seq) << "the kick is the last thing the victim sees";
  for (const auto& m : got) EXPECT_LE(m.seq, kick->seq);
  EXPECT_FALSE(victim.client().SendToConversation("group_g", "let me back"));
}

TEST_F(GroupsTest, LargeGroupPushesToOnlineMembersAndTheRestCatchUp) {
  Start();
  constexpr int kMembers = 2000;
  constexpr int kOnline = 200;
  constexpr int kMessages = 20;
  std::vector<std::string> members;
  for (int i = 1; i < kMembers; ++i) {
    members.push_back("m" + std::to_string(i));
    Token(members.back());
  }
  Device owner(server_->tcp_port(), Token("owner"));
  std::vector<std::unique_ptr<RawTcpClient>> online;
  for (int i = 0; i < kOnline; ++i) {
    online.push_back(std::make_unique<RawTcpClient>(server_->tcp_port()));
    ASSERT_TRUE(online.back()->Login(Token(members[i])));
  }
  auto group = owner.client().GroupCreate("everyone", members, "everyone");
  ASSERT_TRUE(group) << group.error().message;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(owner.client().SendToConversation("group_everyone", "all " + std::to_string(i)));
  }
  // Every online member was pushed every message: the creation, then 20, in order.
  for (auto& c : online) {
    for (int seq = 1; seq <= kMessages + 1; ++seq) {
      auto push = c->Read();
      ASSERT_TRUE(push);
      ASSERT_EQ(push->at("cmd").as_int64(), 5);
      ASSERT_EQ(push->at("payload").at("seq").as_int64(), seq);
    }
  }
  // Offline members (read diffusion: nothing in their inbox) catch up by SYNC + PULL.
  for (const std::string& user : {members[kOnline], members[1000], members.back()}) {
    Device late(server_->tcp_port(), Token(user));
    ASSERT_TRUE(late.client().Sync());
    auto got = late.Received()["group_everyone"];
    EXPECT_EQ(got.size(), static_cast<std::size_t>(kMessages + 1)) << user;
    EXPECT_TRUE(Device::IsDense(got));
  }
}

TEST_F(GroupsTest, CrossingTheThresholdUpAndDownLosesNothing) {
  Start({"--fanout-threshold", "4"});
  TcpProxy online_proxy(server_->tcp_port());  // hides the restart's new port
  TcpProxy offline_proxy(server_->tcp_port());
  Device owner(online_proxy.port(), Token("owner"));
  Device online(online_proxy.port(), Token("a"));
  Device offline(offline_proxy.port(), Token("b"));
  for (const char* u : {"c", "d", "e", "f", "g"}) Token(u);
  ASSERT_TRUE(owner.client().GroupCreate("flux", {"a", "b"}, "flux"));
  offline_proxy.SetOnline(false);

  auto burst = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(owner.client().SendToConversation("group_flux", "x"));
  };
  burst(10);                                                        // 3 members: inbox
  ASSERT_TRUE(owner.client().GroupInvite("flux", {"c", "d", "e"}));  // 6 members: timeline only
  burst(10);
  Restart();
  online_proxy.SetUpstream(server_->tcp_port());
  offline_proxy.SetUpstream(server_->tcp_port());
  ASSERT_TRUE(owner.client().GroupKick("flux", {"c", "d", "e"}));    // back to 3: inbox again
  burst(10);
  offline_proxy.SetOnline(true);

  for (Device* d : {&online, &offline}) {
    ASSERT_TRUE(d->client().Sync());
    auto got = d->Received()["group_flux"];
    EXPECT_EQ(got.size(), 33u);  // create, invite, kick and 30 messages
    EXPECT_TRUE(Device::IsDense(got));
  }
}

TEST_F(GroupsTest, ExpiredInboxCursorStillConvergesThroughTheFallback) {
  Start({"--inbox-retention", "1s"});
  TcpProxy proxy(server_->tcp_port());
  Device alice(server_->tcp_port(), Token("alice"));
  Device bob(proxy.port(), Token("bob"));
  ASSERT_TRUE(alice.client().SendTo("bob", "before"));
  ASSERT_TRUE(bob.WaitForCount(1));
  ASSERT_TRUE(bob.client().Sync());
  proxy.SetOnline(false);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(alice.client().SendTo("bob", "while away"));
  // Time must pass here: no event marks an inbox entry as expired, a read
  // compares its send_time (the server's wall clock, in ms, stamped before
  // the ack) with now - retention. So: just past 1 s after the last ack.
  std::this_thread::sleep_until(std::chrono::system_clock::now() + std::chrono::milliseconds(1050));
  ASSERT_TRUE(alice.client().SendTo("bob", "after"));
  proxy.SetOnline(true);
  ASSERT_TRUE(bob.client().Sync());
  auto got = bob.Received()["private_alice:bob"];
  EXPECT_EQ(got.size(), 22u);
  EXPECT_TRUE(Device::IsDense(got));
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

// The holes found from outside (issue "close the holes"): a kicked member
// let itself back in and read what was said while it was out; anyone who
// knew a group's id joined it and read its history from seq 1.
class GroupAccessTest : public GroupsTest {
 protected:
  std::int64_t Code(const std::optional<json::object>& reply) {
    return reply ? reply->at("code").as_int64() : -1;
  }
  std::vector<std::int64_t> PulledSeqs(RawTcpClient& client, const std::string& conversation) {
    std::vector<std::int64_t> seqs;
    auto pull = client.Call(3, {{"conversation_id", conversation}, {"cursor_seq", 0}});
    if (!pull || pull->at("code").as_int64() != 0) return {-1};
    for (const auto& m : pull->at("payload").as_array()) seqs.push_back(m.at("seq").as_int64());
    return seqs;
  }
};

TEST_F(GroupAccessTest, AKickedMemberCannotJoinBackNorReadWhatWasSaidWhileOut) {
  Start();
  RawTcpClient alice(server_->tcp_port());
  RawTcpClient bob(server_->tcp_port());
  ASSERT_TRUE(alice.Login(Token("alice")));
  ASSERT_TRUE(bob.Login(Token("bob")));
  ASSERT_EQ(Code(alice.Call(7, {{"op", "create"}, {"group_id", "club"}, {"name", "Club"},
                                {"members", json::array{"bob"}}, {"join_policy", "open"}})),
            0);
  ASSERT_EQ(Code(alice.Call(7, {{"op", "kick"}, {"group_id", "club"},
                                {"members", json::array{"bob"}}})),
            0);
  ASSERT_EQ(Code(alice.Call(2, {{"msg_id", "s1"}, {"conversation_id", "group_club"},
                                {"payload", {{"content", "said while bob is out"}}}})),
            0);

  EXPECT_EQ(Code(bob.Call(7, {{"op", "join"}, {"group_id", "club"}})), 403);
  EXPECT_EQ(Code(bob.Call(3, {{"conversation_id", "group_club"}, {"cursor_seq", 0}})), 403);
  EXPECT_EQ(Code(bob.Call(8, {{"conversation_id", "group_club"}})), 403);

  // The owner lets bob back in; he reads from his return on.
  ASSERT_EQ(Code(alice.Call(7, {{"op", "invite"}, {"group_id", "club"},
                                {"members", json::array{"bob"}}})),
            0);  // seq 4
  EXPECT_EQ(PulledSeqs(bob, "group_club"), (std::vector<std::int64_t>{4}));
  auto list = bob.Call(9, {});
  ASSERT_TRUE(list);
  const auto& conversations = list->at("conversations").as_array();
  ASSERT_EQ(conversations.size(), 1u);
  EXPECT_EQ(conversations[0].at("unread").as_int64(), 1);
  EXPECT_EQ(conversations[0].at("last_message").at("seq").as_int64(), 4);
}

TEST_F(GroupAccessTest, KnowingAGroupsIdIsNotEnoughToJoinOrRead) {
  Start();
  RawTcpClient alice(server_->tcp_port());
  RawTcpClient eve(server_->tcp_port());
  ASSERT_TRUE(alice.Login(Token("alice")));
  ASSERT_TRUE(eve.Login(Token("eve")));
  ASSERT_EQ(Code(alice.Call(7, {{"op", "create"}, {"group_id", "club"}, {"name", "Club"}})), 0);
  ASSERT_EQ(Code(alice.Call(2, {{"msg_id", "s1"}, {"conversation_id", "group_club"},
                                {"payload", {{"content", "members only"}}}})),
            0);
  EXPECT_EQ(Code(eve.Call(7, {{"op", "join"}, {"group_id", "club"}})), 403);
  EXPECT_EQ(Code(eve.Call(3, {{"conversation_id", "group_club"}, {"cursor_seq", 0}})), 403);

  // Opened by its owner, a newcomer joins and reads from its join on.
  ASSERT_EQ(Code(alice.Call(7, {{"op", "settings"}, {"group_id", "club"},
                                {"join_policy", "open"}})),
            0);  // seq 3
  ASSERT_EQ(Code(eve.Call(7, {{"op", "join"}, {"group_id", "club"}})), 0);  // seq 4
  EXPECT_EQ(PulledSeqs(eve, "group_club"), (std::vector<std::int64_t>{4}));
  Restart();
  RawTcpClient eve_again(server_->tcp_port());
  ASSERT_TRUE(eve_again.Login(Token("eve")));
  EXPECT_EQ(PulledSeqs(eve_again, "group_club"), (std::vector<std::int64_t>{4}))
      << "the rule survives a restart";
}

// A user in more groups than one SYNC lists (read diffusion: nothing in its
// inbox) catches up on every one: SYNC says the list is truncated and the
// client library pages through CONVERSATIONS.
TEST_F(GroupAccessTest, AUserInManyReadDiffusionGroupsCatchesUpOnAll) {
  Start({"--fanout-threshold", "1"});
  Token("bob");
  Device alice(server_->tcp_port(), Token("alice"));
  constexpr int kGroups = 230;  // past SYNC's 200
  for (int i = 0; i < kGroups; ++i) {
    auto created = alice.client().GroupCreate("g", {"bob"}, "g" + std::to_string(i));
    ASSERT_TRUE(created) << created.error().message;
  }
  Device bob(server_->tcp_port(), Token("bob"));
  ASSERT_TRUE(bob.WaitForCount(kGroups)) << bob.ReceivedCount();
  auto received = bob.Received();
  EXPECT_EQ(received.size(), static_cast<std::size_t>(kGroups));
  for (const auto& [conversation, messages] : received) {
    EXPECT_TRUE(Device::IsDense(messages)) << conversation;
  }
}

}  // namespace
}  // namespace parley::testing
