#pragma once
// Shared by the RocksStore tests: a store in a fresh temporary directory per
// test, driven through its coroutine API by io_contexts as the gateways do.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "protocol/message.h"
#include "store/rocks/rocks_store.h"

namespace parley::store::testing {

namespace asio = boost::asio;

// Runs one awaitable to completion on a private io_context.
template <class T>
T RunSync(asio::awaitable<T> awaitable) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  io.run();
  return future.get();
}

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

// A membership change of group `group_id` and its system message, sent by
// the actor in the group's conversation, as the core builds it.
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

class RocksStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/parley_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    options_.data_dir = tmpl;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(options_.data_dir);
  }

  void Reopen() {
    store_.reset();
    store_ = RocksStore::Open(options_, &metrics_);
  }

  core::AppendResult Send(core::AppendRequest request) {
    return RunSync(store_->Append(std::move(request))).value();
  }

  RocksOptions options_;
  base::Metrics metrics_;
  std::unique_ptr<RocksStore> store_;
};

}  // namespace parley::store::testing
