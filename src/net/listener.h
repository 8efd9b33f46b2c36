#pragma once
// Accepts connections on one port and hands each socket, bound to the next
// I/O thread (round-robin), to `on_accept` on that thread. Serves both
// gateways and the metrics listener: only `on_accept` and the refusal differ.
//
// Near the descriptor limit the listener refuses instead of failing:
//   - at NetOptions::max_connections open connections (the descriptors left
//     for the store and the listeners themselves are the rest), a new
//     connection gets `refusal` (best effort, never blocking) and is closed
//     at once;
//   - when accept fails for want of descriptors (EMFILE, ENFILE), a spare
//     descriptor held for this is freed to accept the waiting connection,
//     which gets the same refusal, and is taken back: the connection is not
//     left in the backlog and the loop does not spin on the error.
// Refusals are logged at most once every few seconds, with their count. The
// listener keeps accepting, and serves again as soon as descriptors free up.
//
// Threads: the constructor binds synchronously on the calling thread; the
// accept loop runs on the acceptor's executor; Stop is safe from any thread.

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/server_context.h"

namespace parley::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using OnAccept = std::function<void(asio::ip::tcp::socket, ServerContext&)>;

  // Opens, binds and listens on `listen` ("ADDR:PORT"). Throws
  // std::runtime_error("cannot listen <name> on <listen>: <reason>").
  // `refusal`: the bytes a refused connection gets before it is closed.
  Listener(std::string name, const std::string& listen, asio::any_io_executor executor,
           ServerContext& context, OnAccept on_accept, std::string refusal);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The bound endpoint (the real port when 0 was asked).
  asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }

  void StartAccepting();
  void Stop();

 private:
  enum class Shed { kRefusedOne, kNonePending, kNoSpare };

  asio::awaitable<void> AcceptLoop();
  bool AtConnectionLimit() const;
  // The accepted socket's address has max_connections_per_ip open already.
  bool AtAddressLimit(const asio::ip::tcp::socket& socket) const;
  // Out of descriptors: accept one waiting connection with the spare's slot
  // and refuse it.
  Shed ShedOnePending();
  void Refuse(asio::ip::tcp::socket& socket, const char* why);
  // A warning at most every kLogInterval; `what` the latest event.
  void LogThrottled(const std::string& what);

  const std::string name_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::endpoint endpoint_;
  ServerContext& context_;
  OnAccept on_accept_;
  const std::string refusal_;
  int spare_fd_ = -1;  // /dev/null, held for ShedOnePending
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t events_since_log_ = 0;
};

}  // namespace parley::net
