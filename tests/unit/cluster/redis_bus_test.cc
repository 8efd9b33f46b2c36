// RedisBus against a real redis-server: two (or three) gateways in one
// process, each a RedisBus with its own gateway id, and fake sessions that
// record what they are given.

#include "cluster/redis_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/io_threads.h"
#include "integration/harness/redis_server.h"
#include "redis/client.h"

namespace parley::cluster {
namespace {

using parley::testing::IoThreads;
using parley::testing::RunOn;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

class FakeSession final : public core::Session {
 public:
  explicit FakeSession(std::uint64_t id) : id_(id) {}
  std::uint64_t id() const override { return id_; }
  void Deliver(core::OutboundPacket packet) override {
    std::lock_guard lock(mu_);
    received_.push_back(packet.cmd == 5 && packet.body ? *packet.body
                                                        : std::to_string(packet.cmd));
  }
  void Close(std::string) override {}
  std::vector<std::string> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::size_t count() const { return received().size(); }

 private:
  const std::uint64_t id_;
  mutable std::mutex mu_;
  std::vector<std::string> received_;
};

core::OutboundPacket Push(const std::string& text) {
  return core::OutboundPacket{5, std::make_shared<const std::string>(text)};
}

bool WaitFor(const std::function<bool()>& condition, milliseconds limit = milliseconds(5000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

asio::awaitable<base::Result<redis::Reply>> Command(std::shared_ptr<redis::Client> client,
                                                    redis::Args args) {
  co_return co_await client->Command(std::move(args));
}

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<parley::testing::RedisServer>();
    redis::Options options;
    options.reconnect_min = milliseconds(50);
    options.reconnect_max = milliseconds(300);
    auto client = RunOn(caller_, redis::Client::Connect(caller_.executor(), server_->host(),
                                                        server_->port(), options));
    ASSERT_TRUE(client) << client.error().message;
    inspect_ = *client;
  }
  void TearDown() override {
    if (inspect_) inspect_->Close();
  }

  RedisBusOptions Options(const std::string& gateway_id) const {
    RedisBusOptions options;
    options.gateway_id = gateway_id;
    options.redis_host = server_->host();
    options.redis_port = server_->port();
    options.key_prefix = "t:";
    options.retry_interval = milliseconds(200);
    options.redis.reconnect_min = milliseconds(50);
    options.redis.reconnect_max = milliseconds(300);
    return options;
  }

  std::unique_ptr<RedisBus> Open(RedisBusOptions options) {
    auto bus = RedisBus::Open(std::move(options), backend_.executor());
    EXPECT_TRUE(bus) << bus.error().message;
    return bus ? std::move(*bus) : nullptr;
  }
  std::unique_ptr<RedisBus> Open(const std::string& gateway_id) {
    return Open(Options(gateway_id));
  }

  // A command on the test's own connection; an error reply on failure.
  redis::Reply Run(redis::Args args) {
    base::Result<redis::Reply> reply = RunOn(caller_, Command(inspect_, std::move(args)));
    return reply ? *reply : redis::Reply::Error(reply.error().message);
  }
  // The presence fields of a user: field -> value.
  std::map<std::string, std::string> Presence(const std::string& user_id) {
    redis::Reply all = Run({"HGETALL", "t:session:" + user_id});
    std::map<std::string, std::string> fields;
    if (!all.IsArray()) return fields;
    for (std::size_t i = 0; i + 1 < all.elements().size(); i += 2) {
      fields[all.elements()[i].str()] = all.elements()[i + 1].str();
    }
    return fields;
  }
  bool HasPresence(const std::string& user_id, const std::string& field) {
    return Presence(user_id).count(field) == 1;
  }

  std::unique_ptr<parley::testing::RedisServer> server_;
  // Destroyed in reverse: buses (locals of each test) first, then these.
  IoThreads caller_{1};
  IoThreads backend_{2};
  std::shared_ptr<redis::Client> inspect_;
};

TEST_F(RedisBusTest, LocalSessionsGetThePacketWithoutGoingThroughRedis) {
  auto gw1 = Open("gw1");
  ASSERT_TRUE(gw1);
  auto alice = std::make_shared<FakeSession>(1);
  auto bob = std::make_shared<FakeSession>(2);
  gw1->Attach("alice", alice);
  gw1->Attach("bob", bob);
  EXPECT_EQ(gw1->LocalSessionCount(), 2u);
  const std::vector<std::string> to = {"alice", "bob", "nobody"};
  gw1->Publish(to, Push("hello"), 0);
  // Inline: already there when Publish returns.
  EXPECT_EQ(alice->received(), std::vector<std::string>{"hello"});
  EXPECT_EQ(bob->received(), std::vector<std::string>{"hello"});
  ASSERT_TRUE(WaitFor([&] { return gw1->stats().publishes_routed == 1; }));
  EXPECT_EQ(gw1->stats().remote_publishes, 0u);
  EXPECT_TRUE(gw1->Healthy());
  // Presence is written for both, in Redis, naming this gateway.
  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1") && HasPresence("bob", "gw1/2"); }));
  EXPECT_EQ(Presence("alice")["gw1/1"].rfind("gw1|", 0), 0u);
  const redis::Reply ttl = Run({"PTTL", "t:session:alice"});
  EXPECT_GT(ttl.integer(), 250'000);
  EXPECT_LE(ttl.integer(), 300'000);
}

TEST_F(RedisBusTest, RemoteRecipientsGetOnePublishPerGateway) {
  auto gw1 = Open("gw1");
  auto gw2 = Open("gw2");
  auto gw3 = Open("gw3");
  ASSERT_TRUE(gw1 && gw2 && gw3);
  auto bob = std::make_shared<FakeSession>(1);
  auto carol = std::make_shared<FakeSession>(2);
  auto dave_phone = std::make_shared<FakeSession>(3);
  auto dave_laptop = std::make_shared<FakeSession>(4);
  auto frank = std::make_shared<FakeSession>(1);  // same id as bob, other gateway
  gw2->Attach("bob", bob);
  gw2->Attach("carol", carol);
  gw2->Attach("dave", dave_phone);
  gw2->Attach("dave", dave_laptop);
  gw3->Attach("frank", frank);
  ASSERT_TRUE(WaitFor([&] {
    return HasPresence("bob", "gw2/1") && HasPresence("carol", "gw2/2") &&
           Presence("dave").size() == 2 && HasPresence("frank", "gw3/1");
  }));

  const std::vector<std::string> to_gw2 = {"bob", "carol", "dave", "erin-offline"};
  gw1->Publish(to_gw2, Push("m1"), 0);
  ASSERT_TRUE(WaitFor([&] {
    return bob->count() == 1 && carol->count() == 1 && dave_phone->count() == 1 &&
           dave_laptop->count() == 1;
  }));
  EXPECT_EQ(bob->received(), std::vector<std::string>{"m1"});
  // Counted when Redis answers the PUBLISH, which may come after gw2 got it.
  EXPECT_TRUE(WaitFor([&] { return gw1->stats().remote_publishes == 1u; }))
      << gw1->stats().remote_publishes;  // one PUBLISH for the four sessions
  EXPECT_EQ(gw2->stats().remote_received, 1u);

  const std::vector<std::string> both = {"bob", "frank", "carol"};
  gw1->Publish(both, Push("m2"), 0);
  ASSERT_TRUE(WaitFor([&] { return frank->count() == 1 && bob->count() == 2 && carol->count() == 2; }));
  EXPECT_TRUE(WaitFor([&] { return gw1->stats().remote_publishes == 3u; }))
      << gw1->stats().remote_publishes;  // one to gw2, one to gw3
  EXPECT_EQ(gw2->stats().remote_received, 2u);
  EXPECT_EQ(gw3->stats().remote_received, 1u);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(dave_phone->count(), 1u);  // not a recipient of m2
  EXPECT_EQ(frank->received(), std::vector<std::string>{"m2"});
}

TEST_F(RedisBusTest, SkipSessionIsTheSendersOwnAndADeviceOnEachGatewayGetsIt) {
  auto gw1 = Open("gw1");
  auto gw2 = Open("gw2");
  ASSERT_TRUE(gw1 && gw2);
  // Session ids are unique per process only: id 7 exists on both gateways.
  auto sender = std::make_shared<FakeSession>(7);
  auto other_local = std::make_shared<FakeSession>(8);
  auto remote_same_id = std::make_shared<FakeSession>(7);
  gw1->Attach("alice", sender);
  gw1->Attach("alice", other_local);
  gw2->Attach("alice", remote_same_id);
  ASSERT_TRUE(WaitFor([&] { return Presence("alice").size() == 3; }));

  const std::vector<std::string> to = {"alice"};
  gw1->Publish(to, Push("ack-notice"), 7);
  ASSERT_TRUE(WaitFor([&] { return remote_same_id->count() == 1; }));
  EXPECT_EQ(other_local->count(), 1u);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(sender->count(), 0u);

  // And from the other side: gw2 skips its own 7; both of gw1's get it.
  gw2->Publish(to, Push("from-gw2"), 7);
  ASSERT_TRUE(WaitFor([&] { return sender->count() == 1 && other_local->count() == 2; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(remote_same_id->count(), 1u);
}

TEST_F(RedisBusTest, DetachStopsDeliveryLocallyAndRemotely) {
  auto gw1 = Open("gw1");
  auto gw2 = Open("gw2");
  ASSERT_TRUE(gw1 && gw2);
  auto local = std::make_shared<FakeSession>(1);
  auto remote = std::make_shared<FakeSession>(2);
  gw1->Attach("bob", local);
  gw2->Attach("bob", remote);
  ASSERT_TRUE(WaitFor([&] { return Presence("bob").size() == 2; }));
  const std::vector<std::string> to = {"bob"};
  gw1->Publish(to, Push("one"), 0);
  ASSERT_TRUE(WaitFor([&] { return local->count() == 1 && remote->count() == 1; }));

  gw2->Detach("bob", 2);
  gw1->Detach("bob", 1);
  EXPECT_EQ(gw2->LocalSessionCount(), 0u);
  ASSERT_TRUE(WaitFor([&] { return Presence("bob").empty(); }));
  const std::uint64_t published = gw1->stats().remote_publishes;
  const std::uint64_t routed = gw1->stats().publishes_routed;
  gw1->Publish(to, Push("two"), 0);
  ASSERT_TRUE(WaitFor([&] { return gw1->stats().publishes_routed == routed + 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(gw1->stats().remote_publishes, published);
  EXPECT_EQ(local->count(), 1u);
  EXPECT_EQ(remote->count(), 1u);
}

TEST_F(RedisBusTest, PresenceIsRefreshedAndExpiresWhenTheGatewayDies) {
  RedisBusOptions short_ttl = Options("gw2");
  short_ttl.presence_ttl = milliseconds(1500);
  short_ttl.refresh_interval = milliseconds(300);
  RedisBusOptions gw1_options = Options("gw1");
  gw1_options.presence_ttl = milliseconds(1500);
  gw1_options.refresh_interval = milliseconds(300);
  auto gw1 = Open(gw1_options);
  auto gw2 = Open(short_ttl);
  ASSERT_TRUE(gw1 && gw2);
  auto bob = std::make_shared<FakeSession>(1);
  auto alice_gw1 = std::make_shared<FakeSession>(2);
  auto alice_gw2 = std::make_shared<FakeSession>(3);
  gw2->Attach("bob", bob);
  gw1->Attach("alice", alice_gw1);
  gw2->Attach("alice", alice_gw2);
  ASSERT_TRUE(WaitFor([&] { return HasPresence("bob", "gw2/1") && Presence("alice").size() == 2; }));

  // Twice the TTL later, refreshes kept it.
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_TRUE(HasPresence("bob", "gw2/1"));
  EXPECT_GE(gw2->stats().presence_full_refreshes, 5u);
  const std::vector<std::string> to_bob = {"bob"};
  gw1->Publish(to_bob, Push("still-here"), 0);
  ASSERT_TRUE(WaitFor([&] { return bob->count() == 1; }));

  // gw2 dies (no clean stop): bob's key expires within the TTL; alice's key
  // lives on (gw1 refreshes it) but gw2's field goes stale and is ignored.
  gw2.reset();
  EXPECT_TRUE(HasPresence("bob", "gw2/1"));
  ASSERT_TRUE(WaitFor([&] { return Run({"EXISTS", "t:session:bob"}).integer() == 0; },
                      milliseconds(4000)));
  std::this_thread::sleep_for(milliseconds(1600));  // gw2's deadline for alice passed
  EXPECT_TRUE(HasPresence("alice", "gw1/2"));
  const std::uint64_t published = gw1->stats().remote_publishes;
  const std::vector<std::string> to = {"bob", "alice"};
  gw1->Publish(to, Push("after-crash"), 0);
  ASSERT_TRUE(WaitFor([&] { return alice_gw1->count() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return gw1->stats().publishes_routed >= 1 &&
                                   gw1->stats().stale_presence_pruned >= 1; }));
  EXPECT_EQ(gw1->stats().remote_publishes, published);  // nothing sent to the dead gateway
  EXPECT_FALSE(HasPresence("alice", "gw2/3"));          // pruned
  EXPECT_TRUE(HasPresence("alice", "gw1/2"));
}

TEST_F(RedisBusTest, CleanShutdownRemovesThisGatewaysPresence) {
  auto gw1 = Open("gw1");
  auto gw2 = Open("gw2");
  ASSERT_TRUE(gw1 && gw2);
  gw1->Attach("carol", std::make_shared<FakeSession>(1));
  gw2->Attach("carol", std::make_shared<FakeSession>(1));
  gw2->Attach("dave", std::make_shared<FakeSession>(2));
  ASSERT_TRUE(WaitFor([&] { return Presence("carol").size() == 2 && HasPresence("dave", "gw2/2"); }));
  EXPECT_TRUE(gw2->Shutdown(milliseconds(3000)));
  EXPECT_FALSE(gw2->Healthy());
  EXPECT_EQ(Presence("carol").size(), 1u);
  EXPECT_TRUE(HasPresence("carol", "gw1/1"));
  EXPECT_EQ(Run({"EXISTS", "t:session:dave"}).integer(), 0);
  // Nobody listens on gw2's channel any more.
  EXPECT_EQ(Run({"PUBLISH", "t:gw:gw2", "x"}).integer(), 0);
  EXPECT_TRUE(gw2->Shutdown(milliseconds(100)));  // idempotent
}

TEST_F(RedisBusTest, RedisRestartResubscribesAndDeliveryResumes) {
  auto gw1 = Open("gw1");
  auto gw2 = Open("gw2");
  ASSERT_TRUE(gw1 && gw2);
  auto bob = std::make_shared<FakeSession>(1);
  gw2->Attach("bob", bob);
  ASSERT_TRUE(WaitFor([&] { return HasPresence("bob", "gw2/1"); }));

  server_->Kill9();
  ASSERT_TRUE(WaitFor([&] { return !gw1->Healthy() && !gw2->Healthy(); }));
  // While Redis is away, Publish still returns at once and local delivery works.
  auto local = std::make_shared<FakeSession>(5);
  gw1->Attach("bob", local);
  const std::vector<std::string> to = {"bob"};
  gw1->Publish(to, Push("during"), 0);
  EXPECT_EQ(local->count(), 1u);

  server_->Restart();
  // Presence may be lost with the server (a restart from an older AOF, or a
  // flush); the resubscribe triggers a full rewrite of it.
  Run({"DEL", "t:session:bob"});
  ASSERT_TRUE(WaitFor([&] { return gw1->Healthy() && gw2->Healthy(); }, milliseconds(8000)));
  ASSERT_TRUE(WaitFor([&] { return gw2->stats().resubscribes >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return HasPresence("bob", "gw2/1") && HasPresence("bob", "gw1/5"); },
                      milliseconds(5000)));
  const std::size_t before = bob->count();
  gw1->Publish(to, Push("after"), 0);
  ASSERT_TRUE(WaitFor([&] { return bob->count() == before + 1; }));
  EXPECT_EQ(bob->received().back(), "after");
}

TEST_F(RedisBusTest, ADetachWhileRedisIsDownIsWrittenWhenItComesBack) {
  auto gw1 = Open("gw1");
  ASSERT_TRUE(gw1);
  gw1->Attach("alice", std::make_shared<FakeSession>(1));
  gw1->Attach("bob", std::make_shared<FakeSession>(2));
  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1") && HasPresence("bob", "gw1/2"); }));

  server_->Stop();  // the AOF keeps both fields
  ASSERT_TRUE(WaitFor([&] { return !gw1->Healthy(); }));
  gw1->Detach("bob", 2);
  server_->Restart();

  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1") && !HasPresence("bob", "gw1/2"); },
                      milliseconds(8000)));
}

TEST_F(RedisBusTest, ARestartFromOlderDataLosesNoRemovalOfThisGateway) {
  auto gw1 = Open("gw1");
  ASSERT_TRUE(gw1);
  gw1->Attach("alice", std::make_shared<FakeSession>(1));
  gw1->Attach("bob", std::make_shared<FakeSession>(2));
  gw1->Attach("bob", std::make_shared<FakeSession>(3));
  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1") && Presence("bob").size() == 2; }));
  gw1->Detach("bob", 2);
  ASSERT_TRUE(WaitFor([&] { return !HasPresence("bob", "gw1/2"); }));

  // What an AOF that missed its last second, or an older RDB, brings back:
  // the removed field, still within its deadline. Another gateway's field
  // is not this gateway's to remove.
  const auto deadline = std::chrono::duration_cast<milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()) +
                        milliseconds(300'000);
  const std::string live = "|" + std::to_string(deadline.count());
  ASSERT_EQ(Run({"HSET", "t:session:bob", "gw1/2", "gw1" + live, "gw9/7", "gw9" + live}).integer(),
            2);
  server_->Stop();
  ASSERT_TRUE(WaitFor([&] { return !gw1->Healthy(); }));
  server_->Restart();

  ASSERT_TRUE(WaitFor([&] {
    const auto bob = Presence("bob");
    return bob.size() == 2 && bob.count("gw1/3") == 1 && bob.count("gw9/7") == 1;
  }, milliseconds(8000)));
  EXPECT_TRUE(HasPresence("alice", "gw1/1"));
  EXPECT_EQ(gw1->stats().presence_reconciled, 1u);
}

TEST_F(RedisBusTest, ARestartWithoutDataGetsThisGatewaysPresenceBack) {
  auto gw1 = Open("gw1");
  ASSERT_TRUE(gw1);
  gw1->Attach("alice", std::make_shared<FakeSession>(1));
  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1"); }));

  Run({"FLUSHALL"});  // in the AOF: the server comes back empty
  server_->Stop();
  ASSERT_TRUE(WaitFor([&] { return !gw1->Healthy(); }));
  server_->Restart();

  ASSERT_TRUE(WaitFor([&] { return HasPresence("alice", "gw1/1"); }, milliseconds(8000)));
}

TEST_F(RedisBusTest, QueueIsBoundedWhileRedisStalls) {
  RedisBusOptions options = Options("gw1");
  options.max_queued_publishes = 8;
  options.max_batch = 4;
  auto gw1 = Open(options);
  ASSERT_TRUE(gw1);
  auto alice = std::make_shared<FakeSession>(1);
  gw1->Attach("alice", alice);
  // Redis stalls every client for 500 ms; CLIENT PAUSE answers once the pause
  // is in force, so the burst below surely meets a stalled Redis.
  ASSERT_FALSE(Run({"CLIENT", "PAUSE", "500", "ALL"}).IsError());
  const std::vector<std::string> to = {"alice"};
  const auto start = Clock::now();
  for (int i = 0; i < 100; ++i) gw1->Publish(to, Push("burst"), 0);
  EXPECT_LT(Clock::now() - start, milliseconds(200));  // never blocks
  EXPECT_EQ(alice->count(), 100u);                      // local delivery is inline
  EXPECT_GE(gw1->stats().publishes_dropped, 80u);
  ASSERT_TRUE(WaitFor([&] {
    const RedisBusStats s = gw1->stats();
    return s.publishes_routed + s.publishes_dropped == 100;
  }));
}

TEST_F(RedisBusTest, ASecondGatewayWithTheSameIdIsRefused) {
  auto gw1 = Open("gw1");
  ASSERT_TRUE(gw1);
  auto twin = RedisBus::Open(Options("gw1"), backend_.executor());
  ASSERT_FALSE(twin);
  EXPECT_EQ(twin.error().code, base::Code::kConflict);
  // Once the first one is gone, the id is free again.
  EXPECT_TRUE(gw1->Shutdown(milliseconds(3000)));
  gw1.reset();
  auto again = Open("gw1");
  EXPECT_TRUE(again);
}

TEST_F(RedisBusTest, OpenFailsFastWithoutRedisAndNeedsAGatewayId) {
  RedisBusOptions options = Options("");
  auto no_id = RedisBus::Open(options, backend_.executor());
  EXPECT_FALSE(no_id);
  options = Options("gw1");
  options.redis_port = 1;  // nothing listens there
  const auto start = Clock::now();
  auto unreachable = RedisBus::Open(options, backend_.executor());
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, base::Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
}

}  // namespace
}  // namespace parley::cluster
