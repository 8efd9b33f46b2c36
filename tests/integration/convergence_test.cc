// Exact multi-device sync (issue "Groups, hybrid fan-out and exact
// multi-device sync"): one user, two devices; device B is offline while 1,000
// messages flow across 10 conversations (1:1, small groups, a group above the
// fan-out threshold), the server restarts in between, and B ends with exactly
// the messages of device A: none missing, none twice, in seq order.

#include <gtest/gtest.h>

#include "base/ids.h"
#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/server_process.h"
#include "integration/harness/tcp_proxy.h"

namespace parley::testing {
namespace {

constexpr int kMessages = 1000;

TEST(ConvergenceTest, OfflineDeviceConvergesToTheOnlineOne) {
  TempDir dir;
  const auto data = dir.path() / "data";
  const std::vector<std::string> flags = {"--fanout-threshold", "5"};
  auto server = ServerProcess::Start(data, flags);
  ASSERT_TRUE(server);
  TcpProxy main_proxy(server->tcp_port());  // everyone but device B
  TcpProxy b_proxy(server->tcp_port());     // device B, cut while it is "offline"

  std::map<std::string, std::string> tokens;
  for (const char* u : {"dave", "u1", "u2", "u3", "u4", "u5", "u6"}) {
    tokens[u] = RegisterUser(server->ws_port(), u);
    ASSERT_FALSE(tokens[u].empty());
  }
  Device device_a(main_proxy.port(), tokens["dave"]);
  Device device_b(b_proxy.port(), tokens["dave"]);
  Device dave_sender(main_proxy.port(), tokens["dave"]);  // dave's third device, for sending
  std::map<std::string, std::unique_ptr<Device>> others;
  for (const char* u : {"u1", "u2", "u3", "u4", "u5", "u6"}) {
    others[u] = std::make_unique<Device>(main_proxy.port(), tokens[u]);
  }

  // Ten conversations and who may write in each.
  struct Conv {
    std::string id;
    std::vector<std::string> writers;
  };
  std::vector<Conv> convs;
  for (const char* u : {"u1", "u2", "u3", "u4", "u5"}) {
    convs.push_back({base::PrivateConversationId("dave", u), {"dave", u}});
  }
  for (int g = 1; g <= 4; ++g) {
    const std::string owner = "u" + std::to_string(g);
    const std::string other = "u" + std::to_string(g + 1);
    auto created = others[owner]->client().GroupCreate("small " + std::to_string(g),
                                                       {"dave", other}, "small" + std::to_string(g));
    ASSERT_TRUE(created) << created.error().message;
    convs.push_back({created->conversation_id, {owner, other, "dave"}});
  }
  auto big = others["u6"]->client().GroupCreate("big", {"dave", "u1", "u2", "u3", "u4", "u5"},
                                                "big");
  ASSERT_TRUE(big) << big.error().message;
  convs.push_back({big->conversation_id, {"u6", "u1", "dave"}});
  ASSERT_EQ(convs.size(), 10u);

  b_proxy.SetOnline(false);  // device B goes offline

  auto send = [&](int i) {
    const Conv& c = convs[i % convs.size()];
    const std::string& writer = c.writers[(i / convs.size()) % c.writers.size()];
    client::SyncClient& sender = writer == "dave" ? dave_sender.client() : others[writer]->client();
    client::Outgoing out;
    if (c.id.starts_with("private_")) {
      out.to = writer == "dave" ? c.writers[1] : "dave";
    } else {
      out.conversation_id = c.id;
    }
    out.content = "message " + std::to_string(i);
    auto ack = sender.Send(out);
    ASSERT_TRUE(ack) << "message " << i << ": " << ack.error().message;
  };
  for (int i = 0; i < kMessages / 2; ++i) send(i);

  // A restart between the phases changes nothing.
  ASSERT_EQ(server->Terminate(), 0) << server->Log();
  server = ServerProcess::Start(data, flags);
  ASSERT_TRUE(server);
  main_proxy.SetUpstream(server->tcp_port());
  b_proxy.SetUpstream(server->tcp_port());
  for (int i = kMessages / 2; i < kMessages; ++i) send(i);

  b_proxy.SetOnline(true);  // B comes back and catches up by itself...
  ASSERT_TRUE(device_b.client().Sync());  // ...and this waits until it has
  ASSERT_TRUE(device_a.client().Sync());

  auto at_a = device_a.Received();
  auto at_b = device_b.Received();
  ASSERT_EQ(at_a.size(), convs.size());
  ASSERT_EQ(at_b.size(), convs.size());
  std::size_t total = 0;
  for (const Conv& c : convs) {
    const auto& a = at_a[c.id];
    const auto& b = at_b[c.id];
    EXPECT_TRUE(Device::IsDense(a)) << "device A, " << c.id;
    EXPECT_TRUE(Device::IsDense(b)) << "device B, " << c.id;
    ASSERT_EQ(a.size(), b.size()) << c.id;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].msg_id, b[i].msg_id) << c.id << " seq " << a[i].seq;
      EXPECT_EQ(a[i].content, b[i].content);
    }
    total += a.size();
  }
  // 1,000 chat messages plus the five group creations.
  EXPECT_EQ(total, static_cast<std::size_t>(kMessages + 5));
}

}  // namespace
}  // namespace parley::testing
