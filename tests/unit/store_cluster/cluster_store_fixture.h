#pragma once
// Shared by the RedisMysqlStore tests: a fresh redis-server and mariadbd per
// test, and a store (or two: two gateways) on them, driven from an
// io_context of the test's own, as the gateways do.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "integration/harness/io_threads.h"
#include "integration/harness/mysql_server.h"
#include "integration/harness/redis_server.h"
#include "mysql/options.h"
#include "protocol/message.h"
#include "store/cluster/redis_mysql_store.h"

namespace parley::store::testing {

using parley::testing::IoThreads;

inline core::AppendRequest Chat(const std::string& sender, const std::string& conv,
                                const std::string& msg_id, std::vector<std::string> members = {}) {
  core::AppendRequest r;
  r.message.msg_id = msg_id;
  r.message.conversation_id = conv;
  r.message.sender_id = sender;
  r.message.content = "hello " + msg_id;
  r.message.send_time = 1700000000000;
  r.members = members.empty() ? std::vector<std::string>{sender} : std::move(members);
  return r;
}

inline core::AppendRequest Change(core::GroupOp op, const std::string& group_id,
                                  const std::string& actor, const std::string& msg_id,
                                  std::vector<std::string> users = {}) {
  core::AppendRequest r = Chat(actor, base::GroupConversationId(group_id), msg_id);
  r.message.msg_type = protocol::kMsgTypeSystem;
  r.members.clear();
  r.group_change = core::GroupChange{op, group_id, actor, std::move(users), "name of " + group_id};
  return r;
}

inline std::int64_t SeqOf(const std::string& json) {
  return protocol::ParseMessage(json).value().seq;
}

class ClusterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<parley::testing::RedisServer>();
    mysql_ = std::make_unique<parley::testing::MysqlServer>();
    options_.redis_host = redis_->host();
    options_.redis_port = redis_->port();
    options_.redis.reconnect_min = std::chrono::milliseconds(50);
    options_.redis.reconnect_max = std::chrono::milliseconds(200);
    options_.mysql = mysql::ParseUrl(mysql_->Url()).value();
    options_.mysql.threads = 3;
    options_.mysql.reconnect_min = std::chrono::milliseconds(50);
    options_.mysql.reconnect_max = std::chrono::milliseconds(200);
    options_.clock = &clock_;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    second_.reset();
  }

  void Reopen() {
    store_.reset();
    store_ = RedisMysqlStore::Open(options_, &metrics_);
  }
  // A second gateway on the same Redis and MySQL.
  RedisMysqlStore& Second() {
    if (!second_) second_ = RedisMysqlStore::Open(options_, &metrics_);
    return *second_;
  }

  template <class T>
  T Run(asio::awaitable<T> awaitable) {
    return parley::testing::RunOn(caller_, std::move(awaitable));
  }
  core::AppendResult Send(core::AppendRequest request) {
    auto r = Run(store_->Append(std::move(request)));
    EXPECT_TRUE(r) << r.error().message;
    return r.value();
  }
  base::Code Try(core::AppendRequest request) {
    auto r = Run(store_->Append(std::move(request)));
    return r ? base::Code::kOk : r.error().code;
  }
  std::vector<std::int64_t> Seqs(const std::string& conv, std::int64_t after = 0) {
    std::vector<std::int64_t> out;
    for (bool more = true; more;) {
      auto page = Run(store_->ReadAfter(conv, after, 100)).value();
      for (const auto& json : page.messages) out.push_back(after = SeqOf(json));
      more = page.has_more && !page.messages.empty();
    }
    return out;
  }

  base::FakeClock clock_;
  base::Metrics metrics_;
  std::unique_ptr<parley::testing::RedisServer> redis_;
  std::unique_ptr<parley::testing::MysqlServer> mysql_;
  ClusterStoreOptions options_;
  IoThreads caller_{2};
  std::unique_ptr<RedisMysqlStore> store_;
  std::unique_ptr<RedisMysqlStore> second_;
};

}  // namespace parley::store::testing
