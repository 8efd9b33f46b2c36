// The Redis client against a real redis-server: commands and reply shapes,
// pipelining under concurrency, EVALSHA, pub/sub, and what callers see when
// the server dies and comes back.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "integration/harness/child_process.h"
#include "integration/harness/io_threads.h"
#include "integration/harness/redis_server.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/script.h"
#include "redis/subscriber.h"

namespace parley::redis {
namespace {

using parley::testing::IoThreads;
using parley::testing::RunOn;
using parley::testing::Sleep;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// `co_await Cmd(client, "SET", "k", "v")`: no braced temporary inside the
// co_await expression (a GCC 12 pitfall).
template <class Redis, class... Strings>
asio::awaitable<base::Result<Reply>> Cmd(Redis& redis, Strings... args) {
  Args command{std::string(args)...};
  co_return co_await redis.Command(std::move(command));
}

// Runs one command and hands its result and wait to `done`. A free function,
// not a lambda: a detached coroutine must not refer to a closure that dies
// when co_spawn returns.
asio::awaitable<void> CommandInto(std::shared_ptr<Client> client, Args command,
                                  std::function<void(base::Result<Reply>)> done) {
  base::Result<Reply> reply = co_await client->Command(std::move(command));
  done(std::move(reply));
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<parley::testing::RedisServer>(); }

  Options FastOptions() const {
    Options options;
    options.reconnect_min = milliseconds(50);
    options.reconnect_max = milliseconds(400);
    return options;
  }

  std::shared_ptr<Client> ConnectClient(Options options) {
    auto client = RunOn(caller_, Client::Connect(redis_side_.executor(), server_->host(),
                                                 server_->port(), options));
    EXPECT_TRUE(client) << client.error().message;
    return client ? *client : nullptr;
  }

  // Polls PING until it answers, at most `limit`.
  bool WaitUntilUsable(Client& client, milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const bool ok = RunOn(caller_, [&]() -> asio::awaitable<bool> {
        base::Result<Reply> pong = co_await Cmd(client, "PING");
        co_return pong && pong->IsStatus();
      }());
      if (ok) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // Polls INFO through `watcher` until Redis reports `count` clients blocked
  // (in BLPOP), at most `limit`. The watcher must be another connection: a
  // blocked one answers nothing until it is unblocked.
  bool WaitUntilBlocked(Client& watcher, int count, milliseconds limit) {
    const std::string wanted = "blocked_clients:" + std::to_string(count) + "\r\n";
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const base::Result<Reply> info = RunOn(caller_, Cmd(watcher, "INFO", "clients"));
      if (info && info->IsString() && info->str().find(wanted) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  std::unique_ptr<parley::testing::RedisServer> server_;
  // Destroyed in reverse: the redis side stops first (its pending
  // completions still hold the callers' executor), then the callers, then
  // the server.
  IoThreads caller_{2};
  IoThreads redis_side_{1};
};

TEST_F(RedisClientTest, SetGetIncrAndReplyShapes) {
  auto client = ConnectClient(FastOptions());
  ASSERT_TRUE(client);
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    base::Result<Reply> set = co_await Cmd(*client, "SET", "greeting", "hello");
    EXPECT_TRUE(set && set->IsStatus() && set->str() == "OK");
    base::Result<Reply> get = co_await Cmd(*client, "GET", "greeting");
    EXPECT_TRUE(get && get->IsString() && get->str() == "hello");
    base::Result<Reply> missing = co_await Cmd(*client, "GET", "no-such-key");
    EXPECT_TRUE(missing && missing->IsNil());
    base::Result<Reply> one = co_await Cmd(*client, "INCR", "counter");
    base::Result<Reply> two = co_await Cmd(*client, "INCR", "counter");
    EXPECT_EQ(one->AsInteger().value(), 1);
    EXPECT_EQ(two->AsInteger().value(), 2);

    // Any bytes round-trip, including NUL and CRLF.
    const std::string binary("a\0b\r\nc", 6);
    base::Result<Reply> put = co_await Cmd(*client, "SET", "binary", binary);
    EXPECT_TRUE(put && put->IsStatus());
    base::Result<Reply> back = co_await Cmd(*client, "GET", "binary");
    EXPECT_EQ(back->str(), binary);

    base::Result<Reply> pushed = co_await Cmd(*client, "RPUSH", "list", "x", "y", "z");
    EXPECT_EQ(pushed->integer(), 3);
    base::Result<Reply> range = co_await Cmd(*client, "LRANGE", "list", "0", "-1");
    PARLEY_CO_ASSERT(range && range->IsArray());
    PARLEY_CO_ASSERT(range->elements().size() == 3u);
    EXPECT_EQ(range->elements()[2].str(), "z");
    base::Result<Reply> mget = co_await Cmd(*client, "MGET", "greeting", "no-such-key");
    PARLEY_CO_ASSERT(mget && mget->IsArray());
    EXPECT_EQ(mget->DebugString(), "[\"hello\", (nil)]");

    // An error reply is a value: the command reached Redis.
    base::Result<Reply> bad = co_await Cmd(*client, "NOSUCHCOMMAND");
    PARLEY_CO_ASSERT(bad);
    EXPECT_TRUE(bad->IsError());
    EXPECT_NE(bad->str().find("unknown command"), std::string::npos) << bad->str();
    base::Result<Reply> wrong_type = co_await Cmd(*client, "INCR", "list");
    PARLEY_CO_ASSERT(wrong_type);
    EXPECT_TRUE(wrong_type->IsError());
    EXPECT_FALSE(wrong_type->AsInteger());

    Args empty;
    base::Result<Reply> refused = co_await client->Command(std::move(empty));
    PARLEY_CO_ASSERT(!(refused));
    EXPECT_EQ(refused.error().code, base::Code::kBadRequest);
  }());
  client->Close();
}

TEST_F(RedisClientTest, PipelineAnswersInOrderInOneRoundTrip) {
  auto client = ConnectClient(FastOptions());
  ASSERT_TRUE(client);
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    std::vector<Args> commands = {
        {"SET", "p", "10"}, {"INCR", "p"}, {"GET", "p"}, {"LPOP", "p"}, {"GET", "nothing"}};
    base::Result<std::vector<Reply>> replies = co_await client->Pipeline(std::move(commands));
    PARLEY_CO_ASSERT(replies);
    PARLEY_CO_ASSERT(replies->size() == 5u);
    EXPECT_EQ((*replies)[0].str(), "OK");
    EXPECT_EQ((*replies)[1].integer(), 11);
    EXPECT_EQ((*replies)[2].str(), "11");
    EXPECT_TRUE((*replies)[3].IsError());  // WRONGTYPE, in its place
    EXPECT_TRUE((*replies)[4].IsNil());
  }());
  client->Close();
}

TEST_F(RedisClientTest, TenThousandConcurrentIncrsGetDistinctResultsOnCallerThreads) {
  auto client = ConnectClient(FastOptions());
  ASSERT_TRUE(client);
  constexpr int kCommands = 10000;
  std::vector<std::int64_t> results(kCommands, 0);
  std::atomic<int> remaining{kCommands};
  std::atomic<int> wrong_thread{0};
  std::atomic<int> failures{0};
  std::promise<void> all_done;
  for (int i = 0; i < kCommands; ++i) {
    auto done = [&, i](base::Result<Reply> reply) {
      if (!caller_.RunsOnThisThread()) ++wrong_thread;
      if (reply && reply->IsInteger()) {
        results[i] = reply->integer();
      } else {
        ++failures;
      }
      if (--remaining == 0) all_done.set_value();
    };
    Args incr = {"INCR", "shared-counter"};
    asio::co_spawn(caller_.io(), CommandInto(client, std::move(incr), std::move(done)),
                   asio::detached);
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong_thread.load(), 0);
  const std::set<std::int64_t> distinct(results.begin(), results.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kCommands));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kCommands);
  client->Close();
}

TEST_F(RedisClientTest, ConnectionResumesCallerOnItsOwnExecutor) {
  auto conn = RunOn(caller_, Connection::Connect(redis_side_.executor(), server_->host(),
                                                 server_->port(), FastOptions()));
  ASSERT_TRUE(conn) << conn.error().message;
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 20; ++i) {
      base::Result<Reply> reply = co_await Cmd(**conn, "PING");
      EXPECT_TRUE(reply && reply->str() == "PONG");
      EXPECT_TRUE(caller_.RunsOnThisThread());
      EXPECT_FALSE(redis_side_.RunsOnThisThread());
    }
  }());
  (*conn)->Close();
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    base::Result<void> closed = co_await (*conn)->WaitClosed();
    EXPECT_TRUE(closed);
    base::Result<Reply> after = co_await Cmd(**conn, "PING");
    PARLEY_CO_ASSERT(!(after));
    EXPECT_EQ(after.error().code, base::Code::kUnavailable);
  }());
}

TEST_F(RedisClientTest, EvalshaLoadsOnceAndReloadsAfterNoScript) {
  auto client = ConnectClient(FastOptions());
  ASSERT_TRUE(client);
  Script incr_by("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  Script broken("return redis.call('NOSUCHCOMMAND')");
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    std::vector<std::string> keys = {"scripted"};
    std::vector<std::string> five = {"5"};
    base::Result<Reply> first = co_await incr_by.Run(*client, keys, std::move(five));
    PARLEY_CO_ASSERT(first);
    EXPECT_EQ(first->integer(), 5);
    // A flushed (or restarted) server forgets the script: NOSCRIPT, reload, retry.
    base::Result<Reply> flushed = co_await Cmd(*client, "SCRIPT", "FLUSH");
    EXPECT_TRUE(flushed && flushed->IsStatus());
    std::vector<std::string> seven = {"7"};
    base::Result<Reply> second = co_await incr_by.Run(*client, keys, std::move(seven));
    PARLEY_CO_ASSERT(second);
    EXPECT_EQ(second->integer(), 12);
    std::vector<std::string> none;
    base::Result<Reply> lua_error = co_await broken.Run(*client, none, none);
    PARLEY_CO_ASSERT(lua_error);
    EXPECT_TRUE(lua_error->IsError());
  }());
  client->Close();
}

// Messages received by a subscriber, for the test thread to wait on.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> messages;
  int resubscribed = 0;

  bool WaitFor(std::size_t count, milliseconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return messages.size() >= count; });
  }
  bool WaitResubscribed(milliseconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return resubscribed > 0; });
  }
};

std::shared_ptr<Subscriber> StartSubscriber(IoThreads& io, const parley::testing::RedisServer& s,
                                            Options options, Inbox& inbox) {
  return Subscriber::Start(
      io.executor(), s.host(), s.port(), options,
      [&inbox](const std::string& channel, const std::string& payload) {
        std::lock_guard lock(inbox.mu);
        inbox.messages.emplace_back(channel, payload);
        inbox.cv.notify_all();
      },
      [&inbox] {
        std::lock_guard lock(inbox.mu);
        ++inbox.resubscribed;
        inbox.cv.notify_all();
      });
}

// Subscribes, retrying while the subscriber is still connecting.
asio::awaitable<base::Result<void>> SubscribeSoon(Subscriber& sub, std::string channel) {
  base::Result<void> result = base::MakeError(base::Code::kUnavailable, "not tried");
  for (int i = 0; i < 100 && !result; ++i) {
    std::vector<std::string> channels = {channel};
    result = co_await sub.Subscribe(std::move(channels));
    if (!result) co_await Sleep(milliseconds(20));
  }
  co_return result;
}

TEST_F(RedisClientTest, PubSubDeliversMessagesUntilUnsubscribed) {
  auto client = ConnectClient(FastOptions());
  ASSERT_TRUE(client);
  Inbox inbox;
  auto sub = StartSubscriber(redis_side_, *server_, FastOptions(), inbox);
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    base::Result<void> subscribed = co_await SubscribeSoon(*sub, "im:gw:1");
    PARLEY_CO_ASSERT(subscribed);
    base::Result<Reply> receivers = co_await Cmd(*client, "PUBLISH", "im:gw:1", "hello");
    EXPECT_EQ(receivers->integer(), 1);
    base::Result<Reply> other = co_await Cmd(*client, "PUBLISH", "im:gw:2", "not for us");
    EXPECT_EQ(other->integer(), 0);
    base::Result<Reply> second =
        co_await Cmd(*client, "PUBLISH", "im:gw:1", std::string("b\0in", 4));
    EXPECT_EQ(second->integer(), 1);
  }());
  ASSERT_TRUE(inbox.WaitFor(2, milliseconds(5000)));
  {
    std::lock_guard lock(inbox.mu);
    EXPECT_EQ(inbox.messages[0], std::make_pair(std::string("im:gw:1"), std::string("hello")));
    EXPECT_EQ(inbox.messages[1].second, std::string("b\0in", 4));
  }
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    std::vector<std::string> channels = {"im:gw:1"};
    base::Result<void> gone = co_await sub->Unsubscribe(std::move(channels));
    EXPECT_TRUE(gone);
    base::Result<Reply> receivers = co_await Cmd(*client, "PUBLISH", "im:gw:1", "late");
    EXPECT_EQ(receivers->integer(), 0);
  }());
  sub->Close();
  client->Close();
}

TEST_F(RedisClientTest, KilledServerAnswers503FastAndRestartedServerWorksAgain) {
  Options options = FastOptions();
  // Long enough that the 503s below come from the lost connection, not
  // from the timeout.
  options.command_timeout = milliseconds(5000);
  auto client = ConnectClient(options);
  ASSERT_TRUE(client);
  Inbox inbox;
  auto sub = StartSubscriber(redis_side_, *server_, options, inbox);
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    base::Result<void> subscribed = co_await SubscribeSoon(*sub, "im:gw:7");
    EXPECT_TRUE(subscribed);
  }());

  // In flight when the server dies: a BLPOP that would block forever, and
  // that Redis reports blocked (so it reached the server).
  auto watcher = ConnectClient(options);
  ASSERT_TRUE(watcher);
  std::promise<base::Result<Reply>> in_flight;
  Args blpop = {"BLPOP", "never-pushed", "0"};
  asio::co_spawn(caller_.io(),
                 CommandInto(client, std::move(blpop),
                             [&](base::Result<Reply> reply) { in_flight.set_value(reply); }),
                 asio::detached);
  // No ASSERT: the kill below must still end the BLPOP that holds in_flight.
  EXPECT_TRUE(WaitUntilBlocked(*watcher, 1, milliseconds(5000)));
  watcher->Close();
  const auto killed_at = Clock::now();
  server_->Kill9();
  auto future = in_flight.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const base::Result<Reply> reply = future.get();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, base::Code::kUnavailable);
  EXPECT_LT(Clock::now() - killed_at, milliseconds(1000));

  // While it is down: new commands answer 503 at once, never hang.
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    const base::Result<Reply> down = RunOn(caller_, Cmd(*client, "PING"));
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, base::Code::kUnavailable);
    EXPECT_LT(Clock::now() - start, milliseconds(1100));
    // Not a condition: spreads the tries over the reconnect backoff
    // (50..400 ms), so that some land while a reconnect is being tried.
    std::this_thread::sleep_for(milliseconds(100));
  }

  server_->Restart();
  ASSERT_TRUE(WaitUntilUsable(*client, milliseconds(5000)));
  const base::Result<Reply> set = RunOn(caller_, Cmd(*client, "SET", "after", "restart"));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->str(), "OK");

  // The subscriber is back on its channel without being asked.
  ASSERT_TRUE(inbox.WaitResubscribed(milliseconds(5000)));
  const base::Result<Reply> published = RunOn(caller_, Cmd(*client, "PUBLISH", "im:gw:7", "back"));
  ASSERT_TRUE(published);
  EXPECT_EQ(published->integer(), 1);
  EXPECT_TRUE(inbox.WaitFor(1, milliseconds(5000)));
  sub->Close();
  client->Close();
}

TEST_F(RedisClientTest, LateReplyTimesOutWith503AndTheClientRecovers) {
  Options options = FastOptions();
  options.command_timeout = milliseconds(300);
  auto client = ConnectClient(options);
  ASSERT_TRUE(client);
  const auto start = Clock::now();
  const base::Result<Reply> slow = RunOn(caller_, Cmd(*client, "DEBUG", "SLEEP", "1"));
  const auto waited = Clock::now() - start;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, base::Code::kUnavailable);
  EXPECT_GE(waited, milliseconds(250));
  EXPECT_LT(waited, milliseconds(900));
  EXPECT_TRUE(WaitUntilUsable(*client, milliseconds(5000)));
  client->Close();
}

TEST_F(RedisClientTest, QueueBeyondMaxInFlightIsRefused) {
  Options options = FastOptions();
  options.max_in_flight = 1;
  options.command_timeout = milliseconds(10000);  // the BLPOP waits for the test's push
  auto client = ConnectClient(options);
  ASSERT_TRUE(client);
  auto watcher = ConnectClient(FastOptions());
  ASSERT_TRUE(watcher);
  // Takes the one slot until the test pushes to "gate".
  std::promise<base::Result<Reply>> held;
  Args blpop = {"BLPOP", "gate", "0"};
  asio::co_spawn(caller_.io(),
                 CommandInto(client, std::move(blpop),
                             [&](base::Result<Reply> reply) { held.set_value(reply); }),
                 asio::detached);
  // No ASSERT until the push below has released the BLPOP that holds `held`.
  EXPECT_TRUE(WaitUntilBlocked(*watcher, 1, milliseconds(5000)));
  const base::Result<Reply> refused = RunOn(caller_, Cmd(*client, "PING"));
  EXPECT_FALSE(refused);
  if (!refused) {
    EXPECT_EQ(refused.error().message, "redis overloaded");
  }
  EXPECT_TRUE(RunOn(caller_, Cmd(*watcher, "RPUSH", "gate", "open")));
  auto released = held.get_future();
  ASSERT_EQ(released.wait_for(std::chrono::seconds(15)), std::future_status::ready);
  const base::Result<Reply> popped = released.get();
  ASSERT_TRUE(popped);
  ASSERT_TRUE(popped->IsArray());
  EXPECT_EQ(popped->elements().at(1).str(), "open");
  watcher->Close();
  client->Close();
}

TEST_F(RedisClientTest, ConnectToNothingFailsFast) {
  Options options;
  options.connect_timeout = milliseconds(500);
  const std::uint16_t closed_port = parley::testing::PickFreeLoopbackPort();
  const auto start = Clock::now();
  auto client =
      RunOn(caller_, Client::Connect(redis_side_.executor(), "127.0.0.1", closed_port, options));
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, base::Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

}  // namespace
}  // namespace parley::redis
