#pragma once
// Accepts connections on one port and hands each socket, bound to the next
// I/O thread (round-robin), to `on_accept` on that thread. Serves both
// gateways: only `on_accept` differs.
//
// Threads: the constructor binds synchronously on the calling thread; the
// accept loop runs on the acceptor's executor; Stop is safe from any thread.

#include <boost/asio/ip/tcp.hpp>

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
  Listener(std::string name, const std::string& listen, asio::any_io_executor executor,
           ServerContext& context, OnAccept on_accept);

  // The bound endpoint (the real port when 0 was asked).
  asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }

  void StartAccepting();
  void Stop();

 private:
  asio::awaitable<void> AcceptLoop();

  const std::string name_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::endpoint endpoint_;
  ServerContext& context_;
  OnAccept on_accept_;
};

}  // namespace parley::net
