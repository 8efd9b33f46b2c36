#pragma once
// Shared by the RedisMysqlStore-only tests (what the conformance suite in
// tests/unit/store_conformance/ cannot see: the schema file, Redis losing
// data, Redis or MySQL dying, holes, two gateways racing): a ClusterBackend
// (a fresh redis-server and mariadbd per test, a store or two on them),
// driven from an io_context of the test's own, as the gateways do.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/io_threads.h"
#include "redis/client.h"
#include "unit/store_conformance/cluster_backend.h"
#include "unit/store_conformance/store_requests.h"

namespace parley::store::testing {

using parley::testing::IoThreads;

class ClusterStoreTest : public ::testing::Test, protected ClusterBackend {
 protected:
  void SetUp() override { Reopen(); }
  // The stores go before caller_, which their callers' coroutines ran on.
  void TearDown() override {
    store_.reset();
    second_.reset();
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
  // The seqs of `conv`'s messages after `after`, read with ReadAfter, and
  // of the hole markers in their place.
  struct Timeline {
    std::vector<std::int64_t> messages;
    std::vector<std::int64_t> holes;
  };
  Timeline ReadTimeline(const std::string& conv, std::int64_t after = 0) {
    Timeline out;
    for (bool more = true; more;) {
      auto page = Run(store_->ReadAfter(conv, after, 100)).value();
      for (const auto& json : page.messages) {
        after = SeqOf(json);
        (IsHole(json) ? out.holes : out.messages).push_back(after);
      }
      more = page.has_more && !page.messages.empty();
    }
    return out;
  }
  std::vector<std::int64_t> Seqs(const std::string& conv, std::int64_t after = 0) {
    return ReadTimeline(conv, after).messages;
  }
  std::vector<std::int64_t> Holes(const std::string& conv) { return ReadTimeline(conv).holes; }

  // Waits (at most 5 s) until each of `msgid_keys` holds the "committed"
  // entry ("C|seq|conv") that an append writes in the background after it
  // has returned.
  bool WaitUntilCommitted(const std::vector<std::string>& msgid_keys) {
    auto client =
        Run(redis::Client::Connect(caller_.executor(), redis_->host(), redis_->port(), {}));
    EXPECT_TRUE(client);
    if (!client) return false;
    bool all = false;
    for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         !all && std::chrono::steady_clock::now() < deadline;) {
      all = true;
      for (const std::string& key : msgid_keys) {
        redis::Args get = {"GET", key};
        const base::Result<redis::Reply> entry = Run((*client)->Command(std::move(get)));
        if (!entry || !entry->IsString() || !entry->str().starts_with("C|")) {
          all = false;
          break;
        }
      }
      if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    (*client)->Close();
    return all;
  }

  IoThreads caller_{2};
};

}  // namespace parley::store::testing
