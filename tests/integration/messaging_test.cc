// 1:1 messaging against a real parleyd over TCP: offline delivery, paging,
// acks, idempotent retries, graceful shutdown.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class MessagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data");
    ASSERT_TRUE(server_);
    for (const char* user : {"alice", "bob"}) {
      tokens_[user] = RegisterUser(server_->ws_port(), user);
      ASSERT_FALSE(tokens_[user].empty()) << server_->Log();
    }
  }

  std::unique_ptr<RawTcpClient> LoggedIn(const std::string& user) {
    auto client = std::make_unique<RawTcpClient>(server_->tcp_port());
    EXPECT_TRUE(client->connected());
    EXPECT_TRUE(client->Login(tokens_[user]));
    return client;
  }

  static json::object ChatBody(const std::string& to, const std::string& text,
                               const std::string& msg_id) {
    return {{"msg_id", msg_id}, {"to", to}, {"payload", {{"content", text}, {"msg_type", 1}}}};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(MessagingTest, RegisterTwiceIs409AndWrongPasswordIs401) {
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/register",
                     R"({"user_id":"alice","password":"other"})").status, 409);
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login",
                     R"({"user_id":"alice","password":"wrong"})").status, 401);
  auto ok = HttpPost(server_->ws_port(), "/api/login",
                     R"({"user_id":"alice","password":"secret-pw"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("token"), std::string::npos);
  EXPECT_EQ(HttpGet(server_->ws_port(), "/healthz").status, 200);
}

TEST_F(MessagingTest, PasswordLoginOverTcp) {
  RawTcpClient client(server_->tcp_port());
  auto bad = client.Call(1, {{"user_id", "alice"}, {"password", "nope"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->at("code").as_int64(), 401);
  auto good = client.Call(1, {{"user_id", "alice"}, {"password", "secret-pw"}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->at("code").as_int64(), 0);
  EXPECT_EQ(good->at("user_id").as_string(), "alice");
}

TEST_F(MessagingTest, BothWaysWithDenseSeqsAndPushes) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  for (int i = 1; i <= 6; ++i) {
    RawTcpClient& sender = i % 2 ? *alice : *bob;
    RawTcpClient& receiver = i % 2 ? *bob : *alice;
    const std::string to = i % 2 ? "bob" : "alice";
    auto ack =
        sender.Call(2, ChatBody(to, "message " + std::to_string(i), "m" + std::to_string(i)));
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->at("code").as_int64(), 0) << json::serialize(*ack);
    EXPECT_EQ(ack->at("seq").as_int64(), i);
    auto push = receiver.Read();
    ASSERT_TRUE(push);
    EXPECT_EQ(push->at("cmd").as_int64(), 5);
    EXPECT_EQ(push->at("payload").at("seq").as_int64(), i);
    EXPECT_EQ(push->at("payload").at("content").as_string(), "message " + std::to_string(i));
  }
}

TEST_F(MessagingTest, UserIdsWithUnderscoresTalkInConversationsOfTheirOwn) {
  // The issue: "alice" could not send to "bob_smith", nor "a" to "b_c".
  const std::pair<std::string, std::string> pairs[] = {
      {"alice", "bob_smith"}, {"a", "b_c"}, {"a_b", "c"}};
  for (const auto& [from, to] : pairs) {
    for (const std::string& user : {from, to}) {
      if (tokens_.contains(user)) continue;
      tokens_[user] = RegisterUser(server_->ws_port(), user);
      ASSERT_FALSE(tokens_[user].empty()) << server_->Log();
    }
  }
  std::set<std::string> conversations;
  for (const auto& [from, to] : pairs) {
    SCOPED_TRACE(from + " -> " + to);
    auto sender = LoggedIn(from);
    auto ack = sender->Call(2, ChatBody(to, "hello " + to, "hello-" + to));
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->at("code").as_int64(), 0) << json::serialize(*ack);
    EXPECT_EQ(ack->at("seq").as_int64(), 1);
    const std::string conv(ack->at("conversation_id").as_string());
    conversations.insert(conv);

    auto peer = LoggedIn(to);
    auto pull = peer->Call(3, {{"conversation_id", conv}, {"cursor_seq", 0}});
    ASSERT_TRUE(pull);
    ASSERT_EQ(pull->at("payload").as_array().size(), 1u) << json::serialize(*pull);
    EXPECT_EQ(pull->at("payload").at(0).at("content").as_string(), "hello " + to);
    auto answer = peer->Call(2, ChatBody(from, "hi " + from, "hi-" + from));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->at("conversation_id").as_string(), conv);
    EXPECT_EQ(answer->at("seq").as_int64(), 2);
  }
  EXPECT_EQ(conversations.size(), 3u);
}

TEST_F(MessagingTest, OfflinePeerCatchesUpWithConversationsPullAndAck) {
  {
    auto alice = LoggedIn("alice");
    for (int i = 0; i < 25; ++i) {
      auto ack = alice->Call(2, ChatBody("bob", "offline " + std::to_string(i), "o" + std::to_string(i)));
      ASSERT_TRUE(ack && ack->at("code").as_int64() == 0);
    }
  }
  auto bob = LoggedIn("bob");
  auto convs = bob->Call(9, {});
  ASSERT_TRUE(convs);
  auto& list = convs->at("conversations").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("conversation_id").as_string(), "private_alice:bob");
  EXPECT_EQ(list[0].at("unread").as_int64(), 25);
  EXPECT_EQ(list[0].at("max_seq").as_int64(), 25);

  std::vector<std::int64_t> seqs;
  std::int64_t cursor = 0;
  for (int page = 0; page < 10; ++page) {
    auto pull = bob->Call(3, {{"conversation_id", "private_alice:bob"}, {"cursor_seq", cursor},
                              {"limit", 10}});
    ASSERT_TRUE(pull);
    for (auto& m : pull->at("payload").as_array()) seqs.push_back(m.at("seq").as_int64());
    cursor = pull->at("next_cursor_seq").as_int64();
    if (!pull->at("has_more").as_bool()) break;
  }
  ASSERT_EQ(seqs.size(), 25u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));

  auto ack = bob->Call(4, {{"conversation_id", "private_alice:bob"}, {"seq", 20}});
  EXPECT_EQ(ack->at("last_ack_seq").as_int64(), 20);
  auto back = bob->Call(4, {{"conversation_id", "private_alice:bob"}, {"seq", 5}});
  EXPECT_EQ(back->at("last_ack_seq").as_int64(), 20);  // never moves back
  auto after = bob->Call(9, {});
  EXPECT_EQ(after->at("conversations").as_array()[0].at("unread").as_int64(), 5);
}

TEST_F(MessagingTest, RetriedMsgIdReturnsSameSeqAndOneCopy) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  auto first = alice->Call(2, ChatBody("bob", "once", "retry-1"));
  auto second = alice->Call(2, ChatBody("bob", "once", "retry-1"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->at("seq"), second->at("seq"));
  auto push = bob->Read();
  ASSERT_TRUE(push);
  EXPECT_FALSE(bob->Read(std::chrono::milliseconds(300)));  // no second copy
  auto pull = bob->Call(3, {{"conversation_id", "private_alice:bob"}, {"cursor_seq", 0}});
  EXPECT_EQ(pull->at("payload").as_array().size(), 1u);
}

// A msg_id reused for anything but a retry used to answer code 0 with the
// first message's conversation and seq while storing nothing.
TEST_F(MessagingTest, AMsgIdReusedForAnotherMessageIs409AndStoresNothing) {
  tokens_["carol"] = RegisterUser(server_->ws_port(), "carol");
  auto alice = LoggedIn("alice");
  auto first = alice->Call(2, ChatBody("bob", "hello bob", "reused-1"));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->at("code").as_int64(), 0);
  auto elsewhere = alice->Call(2, ChatBody("carol", "hello bob", "reused-1"));
  auto other_text = alice->Call(2, ChatBody("bob", "something else", "reused-1"));
  auto retry = alice->Call(2, ChatBody("bob", "hello bob", "reused-1"));
  ASSERT_TRUE(elsewhere && other_text && retry);
  EXPECT_EQ(elsewhere->at("code").as_int64(), 409) << json::serialize(*elsewhere);
  EXPECT_EQ(other_text->at("code").as_int64(), 409);
  EXPECT_EQ(retry->at("code").as_int64(), 0);
  EXPECT_EQ(retry->at("seq"), first->at("seq"));
  auto carol = LoggedIn("carol");
  auto pull = carol->Call(3, {{"conversation_id", "private_alice:carol"}, {"cursor_seq", 0}});
  ASSERT_TRUE(pull);
  EXPECT_TRUE(pull->at("payload").as_array().empty());
}

// The Prometheus counters count each message once, whichever layer sees it.
TEST_F(MessagingTest, MetricsCountEachStoredMessageAndRetryOnce) {
  auto alice = LoggedIn("alice");
  for (const char* id : {"c1", "c2", "c3", "c2"}) {
    auto ack = alice->Call(2, ChatBody("bob", "counted", id));
    ASSERT_TRUE(ack && ack->at("code").as_int64() == 0);
  }
  const std::string metrics = HttpGet(server_->ws_port(), "/metrics").body;
  EXPECT_NE(metrics.find("\nparley_messages_stored_total 3\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nparley_messages_duplicate_total 1\n"), std::string::npos) << metrics;
}

TEST_F(MessagingTest, SigtermExitsZeroAndKeepsAckedMessages) {
  {
    auto alice = LoggedIn("alice");
    for (int i = 0; i < 10; ++i) {
      auto ack = alice->Call(2, ChatBody("bob", "kept", "k" + std::to_string(i)));
      ASSERT_TRUE(ack && ack->at("code").as_int64() == 0);
    }
    EXPECT_EQ(server_->Terminate(), 0) << server_->Log();
  }
  server_ = ServerProcess::Start(dir_.path() / "data");
  ASSERT_TRUE(server_);
  auto bob = LoggedIn("bob");
  auto pull = bob->Call(3, {{"conversation_id", "private_alice:bob"}, {"cursor_seq", 0}});
  ASSERT_TRUE(pull);
  EXPECT_EQ(pull->at("payload").as_array().size(), 10u);
}

}  // namespace
}  // namespace parley::testing
