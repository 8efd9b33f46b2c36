// kill -9 while two clients send as fast as acks come back; after a restart
// on the same data dir every acknowledged message is there once, in order,
// and seqs go on without a hole in embedded mode (docs/design.md "Guarantees":
// durability, order, idempotency).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr int kPerSender = 5000;
const std::string kConversation = "private_alice:bob";

using Clock = std::chrono::steady_clock;

struct Sender {
  std::string user;
  std::string peer;
  std::string token;
  std::map<int, std::int64_t> acked;  // message index -> seq
  int next = 0;                       // first index not yet acknowledged
  std::int64_t last_error = 0;        // the code that stopped it, if any
  Clock::duration longest_stall{};    // longest time from a first 503 to the ack
};

// Sends messages next..kPerSender-1 one at a time, recording each ack, until
// done, the connection breaks, a code other than 0 or 503 comes back, or
// `deadline`. Like a correct client, it retries a 503 ("store unavailable:
// retry with the same msg_id", docs/protocol.md "Error codes") with the same
// msg_id after a growing pause (in cluster mode, a retry of a message that
// was in flight when its gateway died commits at the seq reserved for it,
// without waiting for its pending entry to expire).
void SendUntilBroken(std::uint16_t port, Sender& s, std::atomic<int>& total_acked,
                     Clock::time_point deadline) {
  RawTcpClient client(port);
  if (!client.connected() || !client.Login(s.token)) return;
  constexpr auto kFirstPause = std::chrono::milliseconds(10);
  auto pause = kFirstPause;
  bool stalled = false;  // the current msg_id got a 503
  Clock::time_point stalled_since;
  while (s.next < kPerSender && Clock::now() < deadline) {
    const std::string msg_id = s.user + "-" + std::to_string(s.next);
    json::object body{{"msg_id", msg_id}, {"to", s.peer},
                      {"payload", {{"content", "payload of " + msg_id}}}};
    auto ack = client.Call(2, body);
    if (!ack) return;
    const std::int64_t code = ack->at("code").as_int64();
    if (code == 503) {
      if (!stalled) stalled_since = Clock::now();
      stalled = true;
      std::this_thread::sleep_for(pause);
      pause = std::min(2 * pause, std::chrono::milliseconds(500));
      continue;
    }
    if (code != 0) {
      s.last_error = code;
      return;
    }
    if (stalled) s.longest_stall = std::max(s.longest_stall, Clock::now() - stalled_since);
    stalled = false;
    pause = kFirstPause;
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
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    std::thread a([&] { SendUntilBroken(server->tcp_port(), alice, total, deadline); });
    std::thread b([&] { SendUntilBroken(server->tcp_port(), bob, total, deadline); });
    while (total < 2 * kPerSender / 3 && Clock::now() < deadline) {
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
  // The deadline leaves room for the 503s of a slow restart and for the rest
  // to be sent.
  server = ServerProcess::Start(data);
  ASSERT_TRUE(server);
  const auto deadline = Clock::now() + std::chrono::seconds(180);
  std::thread a([&] { SendUntilBroken(server->tcp_port(), alice, total, deadline); });
  std::thread b([&] { SendUntilBroken(server->tcp_port(), bob, total, deadline); });
  a.join();
  b.join();
  for (const Sender* s : {&alice, &bob}) {
    ASSERT_EQ(s->next, kPerSender) << s->user << " stopped on code " << s->last_error << "\n"
                                   << server->Log();
    const auto stall = std::chrono::duration_cast<std::chrono::milliseconds>(s->longest_stall);
    std::printf("%s: longest retry stall (503s on one msg_id): %lld ms\n", s->user.c_str(),
                static_cast<long long>(stall.count()));
    // Issue 11: it was the pending entry's TTL (15 s) in cluster mode.
    EXPECT_LT(stall, std::chrono::seconds(5)) << s->user;
  }

  // Read the whole timeline back.
  RawTcpClient reader(server->tcp_port());
  ASSERT_TRUE(reader.Login(alice.token));
  std::vector<json::object> timeline;
  std::int64_t cursor = 0;
  // In cluster mode the killed gateway's in-flight seqs are holes, which a
  // PULL skips only once they are old (ClusterStoreOptions::hole_timeout):
  // until then it answers empty pages with has_more.
  const auto read_deadline = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    ASSERT_LT(Clock::now(), read_deadline) << "the timeline did not become readable; at " << cursor;
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
  // Embedded, seqs are dense. In cluster mode each in-flight message's retry
  // commits at its reserved seq, so they are dense too unless a retry came
  // more than hole_timeout / 2 after a higher seq committed (a slow restart;
  // docs/design.md "Order"): there they only increase, and gaps are printed.
  const bool dense = !ClusterBackend();
  std::int64_t previous_seq = 0;
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const std::int64_t seq = timeline[i].at("seq").as_int64();
    if (dense) {
      EXPECT_EQ(seq, static_cast<std::int64_t>(i + 1));
    } else {
      EXPECT_GT(seq, previous_seq);
      if (seq != previous_seq + 1) {
        std::printf("empty seqs before %lld\n", static_cast<long long>(seq));
      }
    }
    previous_seq = seq;
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
