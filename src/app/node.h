#pragma once
// Node: one running parleyd — its I/O threads, store, bus, core services and
// gateways, wired together from a Config. main() builds one and waits for a
// signal.
//
// Threads: construct, Run and Shutdown from the main thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <thread>
#include <vector>

#include "app/config.h"
#include "base/clock.h"
#include "base/metrics.h"

namespace parley::core {
class Store;
class Bus;
class AuthService;
class MessageService;
class GroupService;
class SyncService;
class Dispatcher;
}  // namespace parley::core
namespace parley::net {
class Server;
}

namespace parley::app {

class Node {
 public:
  // Opens the store and binds the listeners; throws std::runtime_error with a
  // message for the operator when that fails.
  explicit Node(const Config& config);
  ~Node();

  // Starts the I/O threads; returns at once.
  void Run();

  // The graceful stop of DESIGN "Runtime model": stop accepting, let
  // in-flight requests finish, close connections, flush the store.
  void Shutdown();

 private:
  Config config_;
  base::Metrics metrics_;
  base::SystemClock clock_;
  std::unique_ptr<core::Store> store_;
  std::unique_ptr<core::Bus> bus_;
  boost::asio::thread_pool blocking_pool_{2};
  std::unique_ptr<core::AuthService> auth_;
  std::unique_ptr<core::MessageService> messages_;
  std::unique_ptr<core::GroupService> groups_;
  std::unique_ptr<core::SyncService> sync_;
  std::unique_ptr<core::Dispatcher> dispatcher_;
  std::vector<std::unique_ptr<boost::asio::io_context>> io_contexts_;
  std::vector<std::thread> threads_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace parley::app
