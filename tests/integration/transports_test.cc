// alice on TCP and bob on WebSocket chat both ways through the client
// library: every message arrives once, in order, with dense seqs.

#include <gtest/gtest.h>

#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
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
  auto at_bob = bob.Received()["private_alice_bob"];
  auto at_alice = alice.Received()["private_alice_bob"];
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

}  // namespace
}  // namespace parley::testing
