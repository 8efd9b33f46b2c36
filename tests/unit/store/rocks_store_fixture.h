#pragma once
// Shared by the RocksStore-only tests (what the conformance suite in
// tests/unit/store_conformance/ cannot see: the writer's batching, its
// queue, the data dir lock, the sweeper): a RocksBackend (a store in a fresh
// temporary directory), driven through its coroutine API by io_contexts of
// the test's own, as the gateways do.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <utility>

#include "unit/store_conformance/rocks_backend.h"
#include "unit/store_conformance/store_requests.h"

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

class RocksStoreTest : public ::testing::Test, protected RocksBackend {
 protected:
  void SetUp() override { Reopen(); }

  core::AppendResult Send(core::AppendRequest request) {
    return RunSync(store_->Append(std::move(request))).value();
  }
};

}  // namespace parley::store::testing
