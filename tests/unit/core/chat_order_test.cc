// The contract that lets a connection pipeline CHATs (net/tcp_connection.cc
// keeps many in flight when MessageService::ChatsAppendInStartOrder()): a
// CHAT reaches Store::Append before it first suspends, so CHATs started in
// order get their seqs in that order. If a change ever makes Chat suspend
// before Append (an awaited timer, a store read that completes later, a
// post), a later CHAT could overtake an earlier one; this test fails then.

#include <gtest/gtest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "unit/core/core_fixture.h"

namespace parley::core::testing {
namespace {

// A MemoryStore that answers reads inline, as RocksStore does, and notes how
// many CHATs had started when each Append was called.
class InlineReadStore : public MemoryStore {
 public:
  bool ReadsCompleteInline() const override { return true; }
  asio::awaitable<base::Result<AppendResult>> Append(AppendRequest request) override {
    started_at_append.push_back(started);
    co_return co_await MemoryStore::Append(std::move(request));
  }
  int started = 0;
  std::vector<int> started_at_append;
};

// A store whose user lookup completes later (as the cluster store's does).
class SuspendingReadStore : public MemoryStore {
 public:
  asio::awaitable<base::Result<UserRecord>> FindUser(std::string user_id) override {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_return co_await MemoryStore::FindUser(std::move(user_id));
  }
};

class ChatOrderTest : public ::testing::Test {
 protected:
  template <class Store>
  struct Core {
    Store store;
    base::FakeClock clock;
    base::Metrics metrics;
    cluster::LocalBus bus;
    MessageService messages{store, bus, clock, metrics, MessageOptions{}};
  };
};

TEST_F(ChatOrderTest, AChatReachesTheStoreBeforeItFirstSuspends) {
  Core<InlineReadStore> core;
  ASSERT_TRUE(core.messages.ChatsAppendInStartOrder());
  asio::io_context io;
  for (const char* user : {"alice", "bob", "carol"}) {
    auto created = asio::co_spawn(io, core.store.CreateUser({user, "hash", 0}), asio::use_future);
    io.run();
    io.restart();
    ASSERT_TRUE(created.get());
  }
  const Caller alice{"alice", 1};
  std::vector<json::object> requests;
  for (int i = 0; i < 6; ++i) {
    // New peers (a first lookup each) and known ones, mixed.
    requests.push_back({{"cmd", 2},
                        {"msg_id", "m" + std::to_string(i)},
                        {"to", i % 2 == 0 ? "bob" : "carol"},
                        {"payload", {{"content", "n" + std::to_string(i)}}}});
  }
  std::vector<std::int64_t> seqs(requests.size(), 0);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    // Each CHAT starts in a handler of its own, in order, as the TCP reader
    // starts them; the next one starts only once this one suspends.
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          ++core.store.started;
          auto reply = co_await core.messages.Chat(alice, requests[i]);
          if (reply) seqs[i] = json::parse(*reply).at("seq").as_int64();
        },
        asio::detached);
  }
  io.run();
  ASSERT_EQ(core.store.started_at_append.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(core.store.started_at_append[i], static_cast<int>(i) + 1)
        << "CHAT " << i << " suspended before Store::Append, so a later CHAT started first";
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 1, 2, 2, 3, 3})) << "each in its conversation";
}

TEST_F(ChatOrderTest, AStoreWhoseReadsSuspendTurnsPipeliningOff) {
  Core<SuspendingReadStore> core;
  EXPECT_FALSE(core.messages.ChatsAppendInStartOrder());
}

}  // namespace
}  // namespace parley::core::testing
