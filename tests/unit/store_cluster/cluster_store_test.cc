// RedisMysqlStore-only behaviour: the schema file, idempotency once Redis
// forgot a msg_id, two gateways appending at once, and msg_id checks. What
// every Store does is in the conformance suite (tests/unit/store_conformance/).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "redis/client.h"
#include "store/cluster/schema.h"
#include "unit/store_cluster/cluster_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;

TEST(ClusterSchemaTest, ScriptsSchemaSqlMatchesTheStore) {
  if (std::getenv("PARLEY_UPDATE_SCHEMA")) {
    std::ofstream(PARLEY_SCHEMA_SQL) << SchemaSqlFile();
  }
  std::ifstream file(PARLEY_SCHEMA_SQL);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), SchemaSqlFile())
      << "regenerate with PARLEY_UPDATE_SCHEMA=1 store_cluster_test "
         "--gtest_filter=ClusterSchemaTest.*";
}

TEST_F(ClusterStoreTest, RetryAfterTheIdempotencyCacheIsGoneIsStillADuplicate) {
  AppendResult first = Send(Chat("alice", kAB, "m1"));
  Send(Chat("alice", kAB, "m2"));
  // The cache entry expired (or Redis lost it): MySQL's unique key answers.
  auto redis = Run(redis::Client::Connect(caller_.executor(), redis_->host(), redis_->port(), {}));
  ASSERT_TRUE(redis);
  // Wait for the background "committed" write, then drop it.
  ASSERT_TRUE(WaitUntilCommitted({"im:msgid:alice:m1"}));
  redis::Args del = {"DEL", "im:msgid:alice:m1"};
  EXPECT_EQ(Run((*redis)->Command(std::move(del))).value().integer(), 1);
  (*redis)->Close();

  AppendResult retry = Send(Chat("alice", kAB, "m1"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, first.seq);
  EXPECT_EQ(*retry.message_json, *first.message_json);
  // The seq the retry was given became a hole row: readers get a marker.
  EXPECT_EQ(Send(Chat("alice", kAB, "m4")).seq, 4);
  EXPECT_EQ(Seqs(kAB), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(Holes(kAB), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 4);
}

// A difference between the backends: the cluster store refuses an empty
// msg_id (base::IsValidMsgId); RocksStore stores it.
TEST_F(ClusterStoreTest, EmptyMsgIdIsRejected) {
  EXPECT_EQ(Try(Chat("alice", kAB, "")), base::Code::kBadRequest);
  EXPECT_EQ(Run(store_->MaxSeq(kAB)).value(), 0);
}

// Appends from many coroutines on two gateways: seqs are unique, dense and
// each caller's appends keep their order.
TEST_F(ClusterStoreTest, ConcurrentAppendsOnTwoGatewaysGetDenseSeqs) {
  constexpr int kCallers = 4;
  constexpr int kPerCaller = 150;
  const std::string conv = "private_user0:user1";
  std::vector<std::vector<std::int64_t>> results(kCallers, std::vector<std::int64_t>(kPerCaller));
  std::vector<std::promise<void>> done(kCallers);
  RedisMysqlStore* gateways[2] = {store_.get(), &Second()};
  auto caller = [&](int c) -> asio::awaitable<void> {
    for (int i = 0; i < kPerCaller; ++i) {
      AppendRequest request = Chat("user" + std::to_string(c % 2), conv,
                                   std::to_string(c) + "-" + std::to_string(i), {"user0", "user1"});
      base::Result<AppendResult> r = co_await gateways[c % 2]->Append(std::move(request));
      results[c][i] = r ? r->seq : -1;
    }
    done[c].set_value();
  };
  for (int c = 0; c < kCallers; ++c) asio::co_spawn(caller_.io(), caller(c), asio::detached);
  for (auto& d : done) d.get_future().wait();

  std::set<std::int64_t> seqs;
  for (int c = 0; c < kCallers; ++c) {
    std::int64_t previous = 0;
    for (std::int64_t seq : results[c]) {
      EXPECT_GT(seq, previous);
      previous = seq;
      seqs.insert(seq);
    }
  }
  const std::int64_t total = kCallers * kPerCaller;
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(*seqs.rbegin(), total);
  EXPECT_EQ(Seqs(conv).size(), static_cast<std::size_t>(total));
}

// Group commit: appends that wait together share MySQL transactions. Two
// callers per gateway (above) may or may not meet in a batch, depending on
// timing; 64 appends started at once on one gateway always do, since the
// first transaction takes far longer than queueing the rest.
TEST_F(ClusterStoreTest, AppendsStartedTogetherShareTransactions) {
  constexpr int kAppends = 64;
  std::atomic<int> stored{0};
  std::atomic<int> finished{0};
  std::promise<void> all_done;
  // One coroutine per append, on the caller's threads.
  auto append = [&](std::string msg_id) -> asio::awaitable<void> {
    AppendRequest request = Chat("user0", "private_user0:user1", msg_id, {"user0", "user1"});
    base::Result<AppendResult> r = co_await store_->Append(std::move(request));
    if (r) ++stored;
    if (++finished == kAppends) all_done.set_value();
  };
  for (int i = 0; i < kAppends; ++i) {
    asio::co_spawn(caller_.io(), append("m" + std::to_string(i)), asio::detached);
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(stored.load(), kAppends);
  EXPECT_LT(metrics_.store_batches_total.load(), static_cast<std::uint64_t>(kAppends / 2));
}

}  // namespace
}  // namespace parley::store::testing
