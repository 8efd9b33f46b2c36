#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>
#include <utility>

#include "base/ids.h"

#include "unit/core/core_fixture.h"

namespace parley::core::testing {
namespace {

class DispatcherTest : public ::testing::Test, public CoreFixture {};

std::int64_t Code(const json::object& reply) { return reply.at("code").as_int64(); }

TEST_F(DispatcherTest, HeartbeatWorksBeforeLogin) {
  auto conn = Connect();
  auto reply = Send(*conn, {{"cmd", 0}});
  EXPECT_EQ(Code(reply), 0);
}

TEST_F(DispatcherTest, EverythingElseNeedsLogin) {
  auto conn = Connect();
  auto reply = Send(*conn, {{"cmd", 9}, {"req_id", 4}});
  EXPECT_EQ(Code(reply), 401);
  EXPECT_EQ(reply.at("req_id").as_int64(), 4);
}

TEST_F(DispatcherTest, LoginWithPasswordAndWithToken) {
  Register("alice");
  auto conn = Connect();
  auto wrong = Send(*conn, {{"cmd", 1}, {"user_id", "alice"}, {"password", "nope"}});
  EXPECT_EQ(Code(wrong), 401);
  auto ok = Send(*conn, {{"cmd", 1}, {"user_id", "alice"}, {"password", "pw-alice"}});
  ASSERT_EQ(Code(ok), 0);
  EXPECT_EQ(ok.at("user_id").as_string(), "alice");
  auto other = Connect();
  auto by_token = Send(*other, {{"cmd", 1}, {"token", ok.at("token")}});
  EXPECT_EQ(Code(by_token), 0);
  EXPECT_EQ(bus_.LocalSessionCount(), 2u);
}

TEST_F(DispatcherTest, ForgedAndExpiredTokensAreRefused) {
  Register("alice");
  auto conn = Connect();
  AuthService other_key(store_, clock_, AuthOptions{std::string(32, 'x')}, io_.get_executor());
  EXPECT_EQ(Code(Send(*conn, {{"cmd", 1}, {"token", other_key.IssueToken("alice")}})), 401);
  // alg "none": header {"alg":"none","typ":"JWT"}, claims {"sub":"alice","exp":9999999999}
  const std::string none_token =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.";
  EXPECT_EQ(Code(Send(*conn, {{"cmd", 1}, {"token", none_token}})), 401);
  EXPECT_EQ(Code(Send(*conn, {{"cmd", 1}, {"token", "garbage"}})), 401);
  const std::string token = auth_.IssueToken("alice");
  clock_.AdvanceMs(2 * 3600 * 1000);  // past the one-hour ttl of the fixture
  EXPECT_EQ(Code(Send(*conn, {{"cmd", 1}, {"token", token}})), 401);
}

TEST_F(DispatcherTest, ChatAssignsDenseSeqsAndPushesToThePeer) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (int i = 1; i <= 3; ++i) {
    auto reply = Chat(*alice, "bob", "hi " + std::to_string(i), "m" + std::to_string(i));
    ASSERT_EQ(Code(reply), 0) << json::serialize(reply);
    EXPECT_EQ(reply.at("seq").as_int64(), i);
    EXPECT_EQ(reply.at("conversation_id").as_string(), "private_alice:bob");
    EXPECT_EQ(reply.at("msg_id").as_string(), "m" + std::to_string(i));
  }
  ASSERT_EQ(bob->session->delivered.size(), 3u);
  const auto& push = bob->session->delivered[2].as_object();
  EXPECT_EQ(push.at("cmd").as_int64(), 5);
  EXPECT_EQ(push.at("payload").at("sender_id").as_string(), "alice");
  EXPECT_EQ(push.at("payload").at("content").as_string(), "hi 3");
  EXPECT_TRUE(alice->session->delivered.empty());  // the sender gets the ack, not a push
}

TEST_F(DispatcherTest, SenderIsTheAuthenticatedUserNeverThePacket) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  auto reply = Send(*alice, {{"cmd", 2}, {"msg_id", "x"}, {"to", "bob"}, {"sender_id", "mallory"},
                             {"payload", {{"content", "hi"}}}});
  ASSERT_EQ(Code(reply), 0);
  EXPECT_EQ(bob->session->delivered.at(0).at("payload").at("sender_id").as_string(), "alice");
}

TEST_F(DispatcherTest, SendersOtherDevicesGetThePush) {
  auto alice1 = Connect("alice");
  auto alice2 = Connect("alice");
  Connect("bob");
  ASSERT_EQ(Code(Chat(*alice1, "bob", "hello", "m1")), 0);
  EXPECT_TRUE(alice1->session->delivered.empty());
  EXPECT_EQ(alice2->session->delivered.size(), 1u);
}

TEST_F(DispatcherTest, RetriedMsgIdReturnsTheSameSeqAndPushesNothing) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  auto first = Chat(*alice, "bob", "once", "same-id");
  auto again = Chat(*alice, "bob", "once", "same-id");
  EXPECT_EQ(first.at("seq"), again.at("seq"));
  EXPECT_EQ(bob->session->delivered.size(), 1u);
  auto pull = Send(*bob, {{"cmd", 3}, {"conversation_id", "private_alice:bob"}, {"cursor_seq", 0}});
  EXPECT_EQ(pull.at("payload").as_array().size(), 1u);
}

TEST_F(DispatcherTest, ContentLimitAndValidation) {
  auto alice = Connect("alice");
  Connect("bob");
  EXPECT_EQ(Code(Chat(*alice, "bob", std::string(4096, 'a'), "ok")), 0);
  EXPECT_EQ(Code(Chat(*alice, "bob", std::string(4097, 'a'), "big")), 413);
  EXPECT_EQ(Code(Chat(*alice, "no such user!", "x", "bad-to")), 400);
  EXPECT_EQ(Code(Chat(*alice, "ghost", "x", "unknown-to")), 404);
  EXPECT_EQ(Code(Chat(*alice, "bob", "x", "")), 400);
  EXPECT_EQ(Code(Send(*alice, {{"cmd", 2}, {"msg_id", "m"}, {"to", "bob"}})), 400);
  EXPECT_EQ(Code(Send(*alice, {{"cmd", 2}, {"msg_id", "m"}, {"to", "bob"},
                               {"payload", {{"content", 5}}}})),
            400);
}

TEST_F(DispatcherTest, MalformedPacketsGetErrorsNotCrashes) {
  auto alice = Connect("alice");
  EXPECT_EQ(Code(SendRaw(*alice, "not json")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, "[1,2,3]")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, "{}")), 400);             // no cmd on WebSocket
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":42})")), 400);  // unknown cmd
  auto unknown = SendRaw(*alice, "{}", 42);
  EXPECT_EQ(Code(unknown), 400);
  EXPECT_EQ(unknown.at("cmd").as_int64(), 42);
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":3})", 3)), 400);  // missing conversation_id
}

TEST_F(DispatcherTest, OnlyMembersTouchAPrivateConversation) {
  auto alice = Connect("alice");
  Connect("bob");
  auto eve = Connect("eve");
  ASSERT_EQ(Code(Chat(*alice, "bob", "secret", "m1")), 0);
  const json::string conv = "private_alice:bob";
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 3}, {"conversation_id", conv}})), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 8}, {"conversation_id", conv}})), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 4}, {"conversation_id", conv}, {"seq", 1}})), 403);
  EXPECT_EQ(Code(Send(*eve, {{"cmd", 2}, {"msg_id", "e1"}, {"conversation_id", conv},
                             {"payload", {{"content", "hi"}}}})),
            403);
}

TEST_F(DispatcherTest, AnyTwoValidUserIdsHaveTheirOwnConversation) {
  // The pairs the old "private_<a>_<b>" form could not tell apart.
  const std::pair<std::string, std::string> pairs[] = {
      {"alice", "bob_smith"}, {"a", "b_c"}, {"a_b", "c"}, {"alice_bob", "smith"}};
  std::set<std::string> conversations;
  int n = 0;
  for (const auto& [from, to] : pairs) {
    auto sender = Connect(from);
    auto peer = Connect(to);
    auto sent = Chat(*sender, to, "hi " + to, "m" + std::to_string(++n));
    ASSERT_EQ(Code(sent), 0) << json::serialize(sent);
    const std::string conv(sent.at("conversation_id").as_string());
    EXPECT_EQ(conv, base::PrivateConversationId(from, to));
    EXPECT_EQ(sent.at("seq").as_int64(), 1);  // a conversation of its own
    conversations.insert(conv);
    ASSERT_EQ(peer->session->delivered.size(), 1u);
    EXPECT_EQ(peer->session->delivered[0].at("payload").at("content").as_string(), "hi " + to);
    auto reply = Send(*peer, {{"cmd", 2}, {"msg_id", "r" + std::to_string(n)},
                              {"conversation_id", conv}, {"payload", {{"content", "back"}}}});
    ASSERT_EQ(Code(reply), 0);
    EXPECT_EQ(reply.at("seq").as_int64(), 2);
  }
  EXPECT_EQ(conversations.size(), std::size(pairs));
  // A third party is no member of any of them.
  auto eve = Connect("eve");
  for (const std::string& conv : conversations) {
    EXPECT_EQ(Code(Send(*eve, {{"cmd", 3}, {"conversation_id", conv}})), 403);
  }
}

TEST_F(DispatcherTest, ALegacyIdReachesTheConversationAndAnswersCarryTheNewId) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_EQ(Code(Chat(*alice, "bob", "hello", "m1")), 0);
  // A client that cached the id of an older server.
  auto pull = Send(*bob, {{"cmd", 3}, {"conversation_id", "private_alice_bob"}, {"cursor_seq", 0}});
  ASSERT_EQ(Code(pull), 0) << json::serialize(pull);
  EXPECT_EQ(pull.at("conversation_id").as_string(), "private_alice:bob");
  ASSERT_EQ(pull.at("payload").as_array().size(), 1u);
  EXPECT_EQ(pull.at("payload").at(0).at("conversation_id").as_string(), "private_alice:bob");
  auto ack = Send(*bob, {{"cmd", 4}, {"conversation_id", "private_alice_bob"}, {"seq", 1}});
  ASSERT_EQ(Code(ack), 0);
  EXPECT_EQ(ack.at("conversation_id").as_string(), "private_alice:bob");
  auto sent = Send(*bob, {{"cmd", 2}, {"msg_id", "b1"}, {"conversation_id", "private_alice_bob"},
                          {"payload", {{"content", "hi"}}}});
  ASSERT_EQ(Code(sent), 0);
  EXPECT_EQ(sent.at("conversation_id").as_string(), "private_alice:bob");
  EXPECT_EQ(sent.at("seq").as_int64(), 2);
  // An old id with two readings names no conversation.
  EXPECT_EQ(Code(Send(*alice, {{"cmd", 3}, {"conversation_id", "private_a_b_c"}})), 400);
}

TEST_F(DispatcherTest, PullPagesThroughWithCursor) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (int i = 0; i < 25; ++i) Chat(*alice, "bob", "m", "id" + std::to_string(i));
  std::int64_t cursor = 0;
  std::vector<std::int64_t> seqs;
  for (int round = 0; round < 10; ++round) {
    auto page = Send(*bob, {{"cmd", 3}, {"conversation_id", "private_alice:bob"},
                            {"cursor_seq", cursor}, {"limit", 10}});
    ASSERT_EQ(Code(page), 0);
    for (const auto& m : page.at("payload").as_array()) seqs.push_back(m.at("seq").as_int64());
    cursor = page.at("next_cursor_seq").as_int64();
    if (!page.at("has_more").as_bool()) break;
  }
  ASSERT_EQ(seqs.size(), 25u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(cursor, 25);
}

TEST_F(DispatcherTest, HistoryGoesBackwards) {
  auto alice = Connect("alice");
  Register("bob");
  for (int i = 0; i < 5; ++i) Chat(*alice, "bob", "m", "id" + std::to_string(i));
  auto page = Send(*alice, {{"cmd", 8}, {"conversation_id", "private_alice:bob"}, {"limit", 2}});
  auto& items = page.at("payload").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("seq").as_int64(), 5);
  EXPECT_EQ(items[1].at("seq").as_int64(), 4);
  EXPECT_TRUE(page.at("has_more").as_bool());
  auto older = Send(*alice, {{"cmd", 8}, {"conversation_id", "private_alice:bob"},
                             {"before_seq", page.at("next_before_seq")}, {"limit", 10}});
  EXPECT_EQ(older.at("payload").as_array().size(), 3u);
  EXPECT_FALSE(older.at("has_more").as_bool());
}

TEST_F(DispatcherTest, AckOnlyMovesForwardAndUnreadFollows) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (int i = 0; i < 4; ++i) Chat(*alice, "bob", "m", "id" + std::to_string(i));
  auto convs = Send(*bob, {{"cmd", 9}});
  auto& list = convs.at("conversations").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("unread").as_int64(), 4);
  EXPECT_EQ(list[0].at("last_message").at("seq").as_int64(), 4);
  const json::string conv = "private_alice:bob";
  EXPECT_EQ(Send(*bob, {{"cmd", 4}, {"conversation_id", conv}, {"seq", 3}}).at("last_ack_seq"), 3);
  EXPECT_EQ(Send(*bob, {{"cmd", 4}, {"conversation_id", conv}, {"seq", 1}}).at("last_ack_seq"), 3);
  EXPECT_EQ(Code(Send(*bob, {{"cmd", 4}, {"conversation_id", conv}, {"seq", 99}})), 400);
  auto after = Send(*bob, {{"cmd", 9}});
  EXPECT_EQ(after.at("conversations").as_array()[0].at("unread").as_int64(), 1);
  // The sender's own messages are not unread for the sender.
  auto mine = Send(*alice, {{"cmd", 9}});
  EXPECT_EQ(mine.at("conversations").as_array()[0].at("unread").as_int64(), 0);
}

TEST_F(DispatcherTest, StoreOutageIs503AndNothingIsPushed) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  store_.unavailable = true;
  EXPECT_EQ(Code(Chat(*alice, "bob", "x", "m1")), 503);
  EXPECT_TRUE(bob->session->delivered.empty());
}

TEST_F(DispatcherTest, DisconnectTakesTheSessionOffline) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  dispatcher_.OnDisconnect(bob->state);
  EXPECT_EQ(bus_.LocalSessionCount(), 1u);
  Chat(*alice, "bob", "x", "m1");
  EXPECT_TRUE(bob->session->delivered.empty());
}

TEST_F(DispatcherTest, InsecureUserIdNeedsInsecureMode) {
  auto conn = Connect();
  auto refused = CoreFixture::Run(dispatcher_.AuthenticateUpgrade(conn->state, "", "alice"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, base::Code::kUnauthenticated);
}

}  // namespace
}  // namespace parley::core::testing
