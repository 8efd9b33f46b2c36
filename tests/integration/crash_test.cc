// kill -9 while two clients send as fast as acks come back; after a restart
// on the same data dir every acknowledged message is there once, in order,
// and seqs go on without a hole (docs/design.md "Guarantees": durability, order,
// idempotency).

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr int kPerSender = 5000;
const std::string kConversation = "private_alice:bob";

struct Sender {
  std::string user;
  std::string peer;
  std::string token;
  std::map<int, std::int64_t> acked;  // message index -> seq
  int next = 0;                       // first index not yet acknowledged
};

// Sends messages next..kPerSender-1 one at a time, recording each ack, until
// done or the connection breaks.
void SendUntilBroken(std::uint16_t port, Sender& s, std::atomic<int>& total_acked) {
  RawTcpClient client(port);
  if (!client.connected() || !client.Login(s.token)) return;
  while (s.next < kPerSender) {
    const std::string msg_id = s.user + "-" + std::to_string(s.next);
    json::object body{{"msg_id", msg_id}, {"to", s.peer},
                      {"payload", {{"content", "payload of " + msg_id}}}};
    auto ack = client.Call(2, body);
    if (!ack || ack->at("code").as_int64() != 0) return;
    s.acked[s.next] = ack->at("seq").as_int64();
    ++s.next;
    ++total_acked;
  }
}

TEST(CrashTest, Kill9LosesNoAcknowledgedMessage) {
  TempDir dir;
  const auto data = dir.path() / "data";
  auto server = ServerProcess::Start(data);
  ASSERT_TRUE(server);
  Sender alice{"alice", "bob", RegisterUser(server->ws_port(), "alice"), {}, 0};
  Sender bob{"bob", "alice", RegisterUser(server->ws_port(), "bob"), {}, 0};
  ASSERT_FALSE(alice.token.empty());
  ASSERT_FALSE(bob.token.empty());

  // Phase 1: send until the server is killed part-way through.
  std::atomic<int> total{0};
  {
    std::thread a([&] { SendUntilBroken(server->tcp_port(), alice, total); });
    std::thread b([&] { SendUntilBroken(server->tcp_port(), bob, total); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (total < 2 * kPerSender / 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server->Kill9();
    a.join();
    b.join();
  }
  ASSERT_GT(total.load(), 0);
  ASSERT_LT(total.load(), 2 * kPerSender) << "the kill came too late to test anything";

  // Phase 2: restart; each sender retries its in-flight message (same msg_id,
  // so it is stored at most once) and finishes.
  server = ServerProcess::Start(data);
  ASSERT_TRUE(server);
  std::thread a([&] { SendUntilBroken(server->tcp_port(), alice, total); });
  std::thread b([&] { SendUntilBroken(server->tcp_port(), bob, total); });
  a.join();
  b.join();
  ASSERT_EQ(alice.next, kPerSender) << server->Log();
  ASSERT_EQ(bob.next, kPerSender) << server->Log();

  // Read the whole timeline back.
  RawTcpClient reader(server->tcp_port());
  ASSERT_TRUE(reader.Login(alice.token));
  std::vector<json::object> timeline;
  std::int64_t cursor = 0;
  for (;;) {
    auto page = reader.Call(3, {{"conversation_id", kConversation}, {"cursor_seq", cursor},
                                {"limit", 200}});
    ASSERT_TRUE(page);
    ASSERT_EQ(page->at("code").as_int64(), 0);
    for (auto& m : page->at("payload").as_array()) timeline.push_back(m.as_object());
    cursor = page->at("next_cursor_seq").as_int64();
    if (!page->at("has_more").as_bool()) break;
  }

  ASSERT_EQ(timeline.size(), static_cast<std::size_t>(2 * kPerSender));
  std::map<std::string, std::int64_t> seq_of;
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    EXPECT_EQ(timeline[i].at("seq").as_int64(), static_cast<std::int64_t>(i + 1));
    const std::string msg_id(timeline[i].at("msg_id").as_string());
    EXPECT_TRUE(seq_of.emplace(msg_id, timeline[i].at("seq").as_int64()).second)
        << "stored twice: " << msg_id;
  }
  for (const Sender* s : {&alice, &bob}) {
    std::int64_t previous = 0;
    for (const auto& [index, seq] : s->acked) {
      const std::string msg_id = s->user + "-" + std::to_string(index);
      ASSERT_EQ(seq_of.at(msg_id), seq) << msg_id;
      EXPECT_GT(seq, previous) << "one sender's messages are in its sending order";
      previous = seq;
    }
  }
}

}  // namespace
}  // namespace parley::testing
