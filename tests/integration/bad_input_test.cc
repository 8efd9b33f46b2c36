// Hostile and broken input, each on its own connection, while a pair of
// well-behaved clients keeps chatting: every bad peer gets a clear error code
// or a clean close, and the chat never notices (docs/design.md "Bad input").

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {"--max-frame", "65536"});
    ASSERT_TRUE(server_);
    for (const char* user : {"alice", "bob", "eve"}) {
      tokens_[user] = RegisterUser(server_->ws_port(), user);
      ASSERT_FALSE(tokens_[user].empty());
    }
    chatter_ = std::thread([this] { Chat(); });
  }

  void TearDown() override {
    // The pair must go on chatting after whatever the test sent.
    const int target = chat_acks_ + 5;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (chat_acks_ < target && chat_failures_ == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop_ = true;
    if (chatter_.joinable()) chatter_.join();
    EXPECT_EQ(chat_failures_.load(), 0) << "the well-behaved pair was harmed";
    EXPECT_GE(chat_acks_.load(), target);
    // The server still serves a new connection.
    RawTcpClient fresh(server_->tcp_port());
    EXPECT_TRUE(fresh.Login(tokens_["alice"]));
  }

  // alice and bob chat until the test ends; every ack must be a success with
  // the next seq, every push must arrive.
  void Chat() {
    RawTcpClient alice(server_->tcp_port());
    RawTcpClient bob(server_->tcp_port());
    if (!alice.Login(tokens_["alice"]) || !bob.Login(tokens_["bob"])) {
      ++chat_failures_;
      return;
    }
    std::int64_t expected_seq = 1;
    for (int i = 0; !stop_; ++i) {
      auto ack = alice.Call(2, {{"msg_id", "c" + std::to_string(i)}, {"to", "bob"},
                                {"payload", {{"content", "still here"}}}});
      auto push = bob.Read();
      if (!ack || ack->at("code").as_int64() != 0 || ack->at("seq").as_int64() != expected_seq ||
          !push || push->at("payload").at("seq").as_int64() != expected_seq) {
        ++chat_failures_;
        return;
      }
      ++expected_seq;
      ++chat_acks_;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::unique_ptr<RawTcpClient> Connect() {
    auto c = std::make_unique<RawTcpClient>(server_->tcp_port());
    EXPECT_TRUE(c->connected());
    return c;
  }

  // Sends one frame and returns the reply's code.
  std::int64_t CodeOf(RawTcpClient& c, std::uint16_t cmd, std::string_view body) {
    EXPECT_TRUE(c.SendFrame(cmd, body));
    auto reply = c.Read();
    if (!reply) return -1;
    return reply->at("code").as_int64();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
  std::thread chatter_;
  std::atomic<bool> stop_{false};
  std::atomic<int> chat_failures_{0};
  std::atomic<int> chat_acks_{0};
};

TEST_F(BadInputTest, RandomBytesCloseTheConnection) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    auto c = Connect();
    std::string junk(1 + rng() % 4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    c->SendBytes(junk);
    // Junk either breaks the framing (error + close) or is a partial frame
    // that the idle timeout would end; either way nothing else is harmed.
    c.reset();
  }
  auto c = Connect();
  c->SendBytes(std::string("\xde\xad\xbe\xef\x00\x01\x00\x00", 8));  // Length ~3.7 GB
  auto reply = c->Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("code").as_int64(), 413);
  EXPECT_TRUE(c->WaitClosed());
}

TEST_F(BadInputTest, LengthBelowFourIsAnErrorAndClose) {
  auto c = Connect();
  c->SendBytes(std::string("\x00\x00\x00\x02\x00\x01", 6));
  auto reply = c->Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("code").as_int64(), 400);
  EXPECT_TRUE(c->WaitClosed());
}

TEST_F(BadInputTest, LengthAboveMaxIsAnErrorAndClose) {
  auto c = Connect();
  c->SendBytes(std::string("\x00\x01\x00\x05\x00\x01\x00\x02", 8));  // 65541 > 65536
  auto reply = c->Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("code").as_int64(), 413);
  EXPECT_TRUE(c->WaitClosed());
}

TEST_F(BadInputTest, UnknownVersionIsAnErrorAndClose) {
  auto c = Connect();
  c->SendBytes(std::string("\x00\x00\x00\x06\x00\x09\x00\x00{}", 10));
  auto reply = c->Read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("code").as_int64(), 400);
  EXPECT_TRUE(c->WaitClosed());
}

TEST_F(BadInputTest, HugeFrameTrickledDoesNotBlockOthers) {
  auto c = Connect();
  ASSERT_TRUE(c->SendBytes(std::string("\x00\x01\x00\x00\x00\x01\x00\x02", 8)));  // 65536
  // Each byte of the frame waits for the pair's next chat: they go on while
  // it is incomplete.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c->SendBytes("x"));
    const int before = chat_acks_;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (chat_acks_ == before && chat_failures_ == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GT(chat_acks_.load(), before) << "others stopped chatting while one frame trickled in";
  }
}

TEST_F(BadInputTest, MalformedPacketsGetErrorsAndTheConnectionGoesOn) {
  auto c = Connect();
  EXPECT_EQ(CodeOf(*c, 0, "{not json"), 400);
  EXPECT_EQ(CodeOf(*c, 0, "[1,2,3]"), 400);
  EXPECT_EQ(CodeOf(*c, 0, "\"just a string\""), 400);
  EXPECT_EQ(CodeOf(*c, 77, "{}"), 400);  // unknown cmd
  EXPECT_EQ(CodeOf(*c, 2, R"({"cmd":3})"), 400);  // body cmd disagrees with the header
  EXPECT_EQ(CodeOf(*c, 3, "{}"), 401);  // not logged in yet
  ASSERT_TRUE(c->Login(tokens_["eve"]));
  EXPECT_EQ(CodeOf(*c, 2, R"({"to":"bob","payload":{"content":"x"}})"), 400);  // no msg_id
  EXPECT_EQ(CodeOf(*c, 2, R"({"msg_id":1,"to":"bob","payload":{"content":"x"}})"), 400);
  EXPECT_EQ(CodeOf(*c, 2, R"({"msg_id":"m","to":"bob","payload":"x"})"), 400);
  EXPECT_EQ(CodeOf(*c, 3, R"({"conversation_id":"private_bob:eve","cursor_seq":"x"})"), 400);
  EXPECT_EQ(CodeOf(*c, 3, R"({"conversation_id":"nonsense"})"), 400);
  const std::string big = json::serialize(json::object{
      {"msg_id", "big"}, {"to", "bob"}, {"payload", {{"content", std::string(4097, 'x')}}}});
  EXPECT_EQ(CodeOf(*c, 2, big), 413);
  // Still usable after all of that.
  EXPECT_EQ(CodeOf(*c, 0, "{}"), 0);
}

TEST_F(BadInputTest, BadTokensAreRefused) {
  auto c = Connect();
  EXPECT_EQ(CodeOf(*c, 1, R"({"token":"not-a-jwt"})"), 401);
  EXPECT_EQ(CodeOf(*c, 1, json::serialize(json::object{{"token", TestToken("alice", -10)}})), 401);
  // Signed with another secret.
  const std::string forged =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0."
      "3q7L7yJZ8VY8W7mJvG1lTfQy0eL2bUo6o4pB4bRkq5E";
  EXPECT_EQ(CodeOf(*c, 1, json::serialize(json::object{{"token", forged}})), 401);
  // alg "none", no signature.
  const std::string none =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.";
  EXPECT_EQ(CodeOf(*c, 1, json::serialize(json::object{{"token", none}})), 401);
  EXPECT_EQ(CodeOf(*c, 9, "{}"), 401);  // still not logged in
}

TEST_F(BadInputTest, SomeoneElsesConversationIsForbidden) {
  auto c = Connect();
  ASSERT_TRUE(c->Login(tokens_["eve"]));
  const std::string conv = "private_alice:bob";
  EXPECT_EQ(CodeOf(*c, 3, R"({"conversation_id":")" + conv + R"("})"), 403);
  EXPECT_EQ(CodeOf(*c, 8, R"({"conversation_id":")" + conv + R"("})"), 403);
  EXPECT_EQ(CodeOf(*c, 4, R"({"conversation_id":")" + conv + R"(","seq":1})"), 403);
  EXPECT_EQ(CodeOf(*c, 2, R"({"msg_id":"e","conversation_id":")" + conv +
                              R"(","payload":{"content":"hi"}})"),
            403);
}

TEST_F(BadInputTest, WebSocketProtocolViolationsCloseWithTheirCode) {
  using Flags = RawWsClient::Flags;
  struct Case {
    const char* what;
    std::string bytes;
    int code;
  };
  const std::string hello = R"({"cmd":0})";
  // A frame header that announces 65537 bytes (above --max-frame): refused
  // before any payload arrives.
  std::string too_big = RawWsClient::Frame(0x1, std::string(65537, 'x')).substr(0, 2 + 8 + 4);
  const std::vector<Case> cases = {
      {"unmasked", RawWsClient::Frame(0x1, hello, Flags{.masked = false}), 1002},
      {"reserved bit", RawWsClient::Frame(0x1, hello, Flags{.rsv = 4}), 1002},
      {"unknown opcode", RawWsClient::Frame(0x3, hello), 1002},
      {"fragmented ping", RawWsClient::Frame(0x9, "p", Flags{.fin = false}), 1002},
      {"long ping", RawWsClient::Frame(0x9, std::string(126, 'p')), 1002},
      {"continuation first", RawWsClient::Frame(0x0, hello), 1002},
      {"text inside fragments",
       RawWsClient::Frame(0x1, "{", Flags{.fin = false}) + RawWsClient::Frame(0x1, hello), 1002},
      {"bad close code", RawWsClient::Frame(0x8, std::string("\x03\xed", 2)), 1002},
      {"not UTF-8", RawWsClient::Frame(0x1, "\xc3\x28"), 1007},
      {"too big", too_big, 1009},
      {"fragments too big",
       RawWsClient::Frame(0x1, std::string(40000, ' '), Flags{.fin = false}) +
           RawWsClient::Frame(0x0, std::string(30000, ' ')),
       1009},
  };
  for (const Case& c : cases) {
    RawWsClient ws(server_->ws_port(), "/ws?token=" + tokens_["eve"]);
    ASSERT_TRUE(ws.upgraded()) << c.what << ": " << ws.response_head();
    ASSERT_TRUE(ws.SendBytes(c.bytes)) << c.what;
    const auto close = ws.Read();
    EXPECT_EQ(close.opcode, 0x8) << c.what;
    EXPECT_EQ(close.close_code(), c.code) << c.what;
    EXPECT_TRUE(ws.WaitClosed()) << c.what;
  }
}

TEST_F(BadInputTest, WebSocketHandshakeRefusals) {
  const auto head = [this](std::string_view request) {
    RawWsClient ws(server_->ws_port(), request);
    return ws.response_head();
  };
  const std::string upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  EXPECT_TRUE(
      head("GET /ws HTTP/1.1\r\nHost: t\r\n" + upgrade + "Sec-WebSocket-Version: 13\r\n\r\n")
          .starts_with("HTTP/1.1 400"));  // no key
  const std::string wrong_version = head("GET /ws HTTP/1.1\r\nHost: t\r\n" + upgrade +
                                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                         "Sec-WebSocket-Version: 12\r\n\r\n");
  EXPECT_TRUE(wrong_version.starts_with("HTTP/1.1 426")) << wrong_version;
  EXPECT_NE(wrong_version.find("Sec-WebSocket-Version: 13"), std::string::npos) << wrong_version;
  RawWsClient forged(server_->ws_port(), "/ws?token=forged");
  EXPECT_TRUE(forged.response_head().starts_with("HTTP/1.1 401")) << forged.response_head();
  // The accept key of RFC 6455's own example.
  RawWsClient ok(server_->ws_port(), "/ws?token=" + tokens_["eve"]);
  EXPECT_NE(ok.response_head().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos)
      << ok.response_head();
}

TEST_F(BadInputTest, APeerThatNeverReadsIsDisconnected) {
  auto c = Connect();
  ASSERT_TRUE(c->Login(tokens_["alice"]));
  // Fill the history with big messages, then ask for it over and over without
  // ever reading: the replies pile up until the server gives up on the peer.
  RawTcpClient writer(server_->tcp_port());
  ASSERT_TRUE(writer.Login(tokens_["eve"]));
  for (int i = 0; i < 50; ++i) {
    auto ack = writer.Call(2, {{"msg_id", "fill" + std::to_string(i)}, {"to", "alice"},
                               {"payload", {{"content", std::string(4000, 'f')}}}});
    ASSERT_TRUE(ack && ack->at("code").as_int64() == 0);
  }
  const std::string request = json::serialize(
      json::object{{"conversation_id", "private_alice:eve"}, {"limit", 50}});
  // The peer learns of the close only from a send that fails: reading to see
  // it (WaitClosed) would make it a consumer that keeps up. And it sends
  // until then, not a fixed count: a few thousand requests fit in the socket
  // buffers at once, and in cluster mode, where the server reads the next
  // request only once MySQL answered the last, the server is far from full
  // when the last of them is sent.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    refused = !c->SendFrame(8, request);
  }
  EXPECT_TRUE(refused) << "the server kept a peer that never reads";
  // Closed because its outbound queue overflowed (docs/design.md
  // "Backpressure"), not because a deadline passed.
  const HttpResult metrics = HttpGet(server_->ws_port(), "/metrics");
  EXPECT_NE(metrics.body.find("\nparley_slow_consumer_disconnects_total 1\n"), std::string::npos)
      << "not closed as a slow consumer";
}

}  // namespace
}  // namespace parley::testing
