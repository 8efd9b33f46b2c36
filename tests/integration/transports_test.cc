// alice on TCP and bob on WebSocket chat both ways through the client
// library: every message arrives once, in order, with dense seqs. And the
// WebSocket framing itself, from a raw peer: fragments, ping, binary, close.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

TEST(TransportsTest, TcpAndWebSocketChatBothWays) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data");
  ASSERT_TRUE(server);
  Device alice(server->tcp_port(), RegisterUser(server->ws_port(), "alice"));
  Device bob(server->ws_port(), RegisterUser(server->ws_port(), "bob"), /*websocket=*/true);

  constexpr int kRounds = 50;
  for (int i = 0; i < kRounds; ++i) {
    auto a = alice.client().SendTo("bob", "from alice " + std::to_string(i));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->seq, 2 * i + 1);
    auto b = bob.client().SendTo("alice", "from bob " + std::to_string(i));
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->seq, 2 * i + 2);
  }
  ASSERT_TRUE(alice.WaitForCount(kRounds));
  ASSERT_TRUE(bob.WaitForCount(kRounds));
  // Each side receives the other's messages: seqs 2,4,6... at alice, 1,3,5... at bob.
  auto at_bob = bob.Received()["private_alice:bob"];
  auto at_alice = alice.Received()["private_alice:bob"];
  ASSERT_EQ(at_bob.size(), static_cast<std::size_t>(kRounds));
  ASSERT_EQ(at_alice.size(), static_cast<std::size_t>(kRounds));
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(at_bob[i].seq, 2 * i + 1);
    EXPECT_EQ(at_bob[i].sender_id, "alice");
    EXPECT_EQ(at_bob[i].content, "from alice " + std::to_string(i));
    EXPECT_EQ(at_alice[i].seq, 2 * i + 2);
    EXPECT_EQ(at_alice[i].sender_id, "bob");
  }
}

TEST(TransportsTest, WebSocketFragmentsPingBinaryAndClose) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data");
  ASSERT_TRUE(server);
  RawWsClient c(server->ws_port(), "/ws?token=" + RegisterUser(server->ws_port(), "carol"));
  ASSERT_TRUE(c.upgraded()) << c.response_head();
  const auto json_of = [](const RawWsClient::ServerFrame& f) {
    return boost::json::parse(f.payload).as_object();
  };
  using Flags = RawWsClient::Flags;

  // A HEARTBEAT in three fragments with a ping among them: the pong (same
  // payload) comes first, then the reply to the reassembled message.
  const std::string body = R"({"cmd":0,"req_id":"fragmented"})";
  ASSERT_TRUE(c.SendBytes(RawWsClient::Frame(0x1, body.substr(0, 5), Flags{.fin = false}) +
                          RawWsClient::Frame(0x9, "are you there") +
                          RawWsClient::Frame(0x0, body.substr(5, 10), Flags{.fin = false}) +
                          RawWsClient::Frame(0x0, body.substr(15))));
  const auto pong = c.Read();
  EXPECT_EQ(pong.opcode, 0xA);
  EXPECT_EQ(pong.payload, "are you there");
  const auto reply = c.Read();
  ASSERT_EQ(reply.opcode, 0x1);
  EXPECT_TRUE(reply.fin);
  EXPECT_FALSE(reply.masked);
  EXPECT_EQ(json_of(reply).at("req_id").as_string(), "fragmented");
  EXPECT_EQ(json_of(reply).at("code").as_int64(), 0);

  // One byte at a time, then two requests in one write.
  for (char byte : RawWsClient::Frame(0x1, R"({"cmd":0,"req_id":"trickled"})")) {
    ASSERT_TRUE(c.SendBytes(std::string_view(&byte, 1)));
  }
  EXPECT_EQ(json_of(c.Read()).at("req_id").as_string(), "trickled");
  ASSERT_TRUE(c.SendBytes(RawWsClient::Frame(0x1, R"({"cmd":0,"req_id":"a"})") +
                          RawWsClient::Frame(0x1, R"({"cmd":0,"req_id":"b"})")));
  EXPECT_EQ(json_of(c.Read()).at("req_id").as_string(), "a");
  EXPECT_EQ(json_of(c.Read()).at("req_id").as_string(), "b");

  // Binary: an error packet, and the connection goes on.
  ASSERT_TRUE(c.Send(0x2, "\x01\x02"));
  const auto binary = c.Read();
  EXPECT_EQ(json_of(binary).at("code").as_int64(), 400);
  ASSERT_TRUE(c.Send(0x1, R"({"cmd":0,"req_id":"after"})"));
  EXPECT_EQ(json_of(c.Read()).at("req_id").as_string(), "after");

  // Our close is echoed (code and reason), then the server closes.
  ASSERT_TRUE(c.Send(0x8, std::string("\x03\xe8", 2) + "done"));
  const auto close = c.Read();
  EXPECT_EQ(close.opcode, 0x8);
  EXPECT_EQ(close.close_code(), 1000);
  EXPECT_EQ(close.payload.substr(2), "done");
  EXPECT_TRUE(c.WaitClosed());
}

}  // namespace
}  // namespace parley::testing
