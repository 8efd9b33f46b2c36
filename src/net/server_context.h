#pragma once
// What every listener and connection of one Server shares. Owned by the
// Server; connections hold a reference, so the Server outlives them (see
// server.h for the shutdown order).
//
// Threads: the references and options are read-only; the registry and the
// round-robin counter are thread-safe; each sweeper and wake batcher belongs
// to the thread of its io_context.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "base/metrics.h"
#include "core/admin_api.h"
#include "core/auth_service.h"
#include "core/dispatcher.h"
#include "core/media_service.h"
#include "net/connection_registry.h"
#include "net/deadline_sweeper.h"
#include "net/options.h"
#include "net/tls_context.h"
#include "net/wake_batcher.h"

namespace parley::net {

namespace asio = boost::asio;

struct ServerContext {
  core::Dispatcher& dispatcher;
  core::AuthService& auth;
  base::Metrics& metrics;
  std::function<bool()> healthy;
  NetOptions options;
  std::vector<asio::io_context*> io_contexts;  // one per I/O thread
  ConnectionRegistry registry;
  std::atomic<std::size_t> next_io{0};
  std::vector<std::unique_ptr<DeadlineSweeper>> sweepers;  // one per io_context, same order
  std::vector<std::unique_ptr<WakeBatcher>> wake_batchers;  // one per io_context, same order
  TlsContext* tls = nullptr;  // owned by the Server; null: the TCP listener speaks plain text
  // POST/GET /api/media (media_transfer.h); null: answered 503. Set before Start.
  core::MediaService* media = nullptr;
  // /api/admin/ (core/admin_api.h); null: answered 404. Set before Start.
  core::AdminApi* admin = nullptr;
  // Connections refused by --max-connections-per-ip (parley_rate_limited_total).
  std::atomic<std::uint64_t> refused_per_address{0};

  // The I/O thread of the next accepted connection: round-robin.
  asio::any_io_executor NextExecutor() {
    const std::size_t i = next_io.fetch_add(1, std::memory_order_relaxed);
    return io_contexts[i % io_contexts.size()]->get_executor();
  }

  // The sweeper of the io_context that runs `executor` (one of io_contexts).
  DeadlineSweeper& SweeperFor(const asio::any_io_executor& executor) {
    const asio::execution_context* ctx = &asio::query(executor, asio::execution::context);
    std::size_t i = 0;
    while (i + 1 < io_contexts.size() && io_contexts[i] != ctx) ++i;
    return *sweepers[i];
  }

  // The batcher of the calling thread; nullptr off the I/O threads.
  WakeBatcher* WakeBatcherOfThisThread() {
    for (std::size_t i = 0; i < io_contexts.size(); ++i) {
      if (io_contexts[i]->get_executor().running_in_this_thread()) return wake_batchers[i].get();
    }
    return nullptr;
  }
};

}  // namespace parley::net
