// The rate limits (docs/protocol.md "Rate limits") against a real parleyd:
// a CHAT burst beyond the per-user limit is answered 429 with retry_after_ms
// and stores nothing, the connection stays usable, and the defaults leave a
// fast human alone; password attempts (HTTP register/login, LOGIN with a
// password) are limited per client IP, token logins are not.
// Embedded store only: the limiter lives in the core, ahead of the store,
// and each gateway keeps its own (cluster mode adds nothing to test).

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <thread>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

json::object ChatBody(int i) {
  return {{"msg_id", "m" + std::to_string(i)}, {"to", "bob"}, {"req_id", i},
          {"payload", {{"content", "hi"}}}};
}

class ChatRateLimitTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    server_ = ServerProcess::Start(dir_.path() / "data", std::move(flags));
    ASSERT_TRUE(server_);
    alice_token_ = RegisterUser(server_->ws_port(), "alice");
    ASSERT_FALSE(alice_token_.empty());
    ASSERT_FALSE(RegisterUser(server_->ws_port(), "bob").empty());
  }

  // How many messages of the alice-bob conversation are stored.
  std::int64_t StoredCount(RawTcpClient& c, const std::string& conversation_id) {
    auto pulled = c.Call(3, {{"conversation_id", conversation_id}, {"cursor_seq", 0},
                             {"limit", 200}});
    if (!pulled || pulled->at("code").as_int64() != 0) return -1;
    return static_cast<std::int64_t>(pulled->at("payload").as_array().size());
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string alice_token_;
};

TEST_F(ChatRateLimitTest, BurstBeyondTheLimitGets429AndStoresNothing) {
  Start({"--chat-rate", "2", "--chat-burst", "5"});
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(alice_token_));
  int admitted = 0;
  std::string conversation_id;
  std::optional<json::object> refused;
  for (int i = 0; i < 20; ++i) {
    auto ack = alice.Call(2, ChatBody(i));
    ASSERT_TRUE(ack) << server_->Log();
    if (ack->at("code").as_int64() == 0) {
      ++admitted;
      conversation_id = std::string(ack->at("conversation_id").as_string());
    } else {
      refused = *ack;
    }
  }
  // The burst of 5, plus at most a token or two refilled meanwhile at 2/s.
  EXPECT_GE(admitted, 5);
  EXPECT_LE(admitted, 7);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("code").as_int64(), 429);
  EXPECT_EQ(refused->at("cmd").as_int64(), 2);
  EXPECT_TRUE(refused->contains("req_id"));
  EXPECT_EQ(refused->at("msg_id").as_string(), "m19");
  const std::int64_t wait_ms = refused->at("retry_after_ms").as_int64();
  EXPECT_GT(wait_ms, 0);
  EXPECT_LE(wait_ms, 500);  // one token at 2/s
  EXPECT_EQ(StoredCount(alice, conversation_id), admitted);

  // The connection stayed open: after the wait a CHAT goes through.
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  auto later = alice.Call(2, ChatBody(100));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->at("code").as_int64(), 0) << json::serialize(*later);
  EXPECT_EQ(StoredCount(alice, conversation_id), admitted + 1);

}

TEST_F(ChatRateLimitTest, TheLimitIsPerUserNotPerConnection) {
  Start({"--chat-rate", "1", "--chat-burst", "3"});
  RawTcpClient phone(server_->tcp_port());
  RawTcpClient laptop(server_->tcp_port());
  ASSERT_TRUE(phone.Login(alice_token_));
  ASSERT_TRUE(laptop.Login(alice_token_));
  for (int i = 0; i < 3; ++i) {
    auto ack = phone.Call(2, ChatBody(i));
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->at("code").as_int64(), 0);
  }
  auto other_device = laptop.Call(2, ChatBody(3));
  ASSERT_TRUE(other_device);
  EXPECT_EQ(other_device->at("code").as_int64(), 429);
}

// The defaults (20/s, burst 100) leave a fast human alone: 100 messages at
// once, then a steady 10 a second. (The harness turns the limit off unless
// a test sets a --chat- flag; the burst given here is the default.)
TEST_F(ChatRateLimitTest, DefaultsNeverRefuseAFastHuman) {
  Start({"--chat-burst", "100"});
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(alice_token_));
  for (int i = 0; i < 100; ++i) {
    auto ack = alice.Call(2, ChatBody(i));
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->at("code").as_int64(), 0) << json::serialize(*ack);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // >= one token back
  for (int i = 100; i < 120; ++i) {
    auto ack = alice.Call(2, ChatBody(i));
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->at("code").as_int64(), 0) << json::serialize(*ack);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// --auth-rate 4: four password attempts from 127.0.0.1 (two of them the
// registrations of Start), then 429 on every path, one more each 15 s.
TEST_F(ChatRateLimitTest, PasswordAttemptsPerIpGet429) {
  Start({"--auth-rate", "4"});
  const std::string alice = R"({"user_id":"alice","password":"secret-pw"})";
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login", alice).status, 200);
  RawTcpClient first(server_->tcp_port());
  auto login = first.Call(1, {{"user_id", "alice"}, {"password", "secret-pw"}});
  ASSERT_TRUE(login);
  EXPECT_EQ(login->at("code").as_int64(), 0);

  HttpResult refused = HttpPost(server_->ws_port(), "/api/register",
                                R"({"user_id":"carol","password":"secret-pw"})");
  EXPECT_EQ(refused.status, 429);
  const json::object body = json::parse(refused.body).as_object();
  EXPECT_EQ(body.at("code").as_int64(), 429);
  EXPECT_GT(body.at("retry_after_ms").as_int64(), 0);
  EXPECT_LE(body.at("retry_after_ms").as_int64(), 15'000);
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login", alice).status, 429);

  RawTcpClient second(server_->tcp_port());
  auto password = second.Call(1, {{"user_id", "alice"}, {"password", "secret-pw"}, {"req_id", 7}});
  ASSERT_TRUE(password);
  EXPECT_EQ(password->at("code").as_int64(), 429);
  EXPECT_EQ(password->at("req_id").as_int64(), 7);
  EXPECT_GT(password->at("retry_after_ms").as_int64(), 0);
  // The connection stays open, and a token costs no attempt.
  EXPECT_TRUE(second.Login(alice_token_));
}

TEST_F(ChatRateLimitTest, PasswordAttemptsPerUserIdGet429WhateverTheAddress) {
  Start({"--auth-user-rate", "3"});  // registering alice was her first attempt
  const std::string alice = R"({"user_id":"alice","password":"wrong"})";
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login", alice).status, 401);
  RawTcpClient tcp(server_->tcp_port());
  auto login = tcp.Call(1, {{"user_id", "alice"}, {"password", "wrong"}});
  ASSERT_TRUE(login);
  EXPECT_EQ(login->at("code").as_int64(), 401);
  // The fourth guess at alice's password is refused, by either transport.
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login", alice).status, 429);
  auto refused = tcp.Call(1, {{"user_id", "alice"}, {"password", "secret-pw"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("code").as_int64(), 429);
  EXPECT_GT(refused->at("retry_after_ms").as_int64(), 0);
  // Another user from the same address is not held up, and alice's token works.
  EXPECT_EQ(HttpPost(server_->ws_port(), "/api/login",
                     R"({"user_id":"bob","password":"secret-pw"})").status, 200);
  EXPECT_TRUE(tcp.Login(alice_token_));
  const std::string metrics = HttpGet(server_->ws_port(), "/metrics").body;
  EXPECT_NE(metrics.find("parley_rate_limited_total{limit=\"auth_user\"} 2"), std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace parley::testing
