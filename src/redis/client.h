#pragma once
// Client: a Redis connection that comes back. It holds one pipelined
// Connection at a time; when that is lost, commands in flight get 503 (from
// the Connection) and the client reconnects with backoff (Options::
// reconnect_min doubling to reconnect_max), answering 503 "redis unavailable"
// at once meanwhile — a caller never waits for a reconnect.
//
// Thread contract: every method may be called from any thread; an awaiting
// coroutine resumes on its own executor. The reconnect loop runs on the
// client's own strand. The client keeps itself alive until Close().

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/error.h"
#include "redis/options.h"
#include "redis/reply.h"
#include "redis/resp_codec.h"

namespace parley::redis {

namespace asio = boost::asio;

class Connection;

class Client : public std::enable_shared_from_this<Client> {
 public:
  // The first connection must succeed (a misconfigured address fails fast,
  // 503); later losses are repaired in the background. Connections run on
  // strands of `executor`.
  static asio::awaitable<base::Result<std::shared_ptr<Client>>> Connect(
      asio::any_io_executor executor, std::string host, std::uint16_t port, Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // As Connection::Command / Pipeline; 503 at once while disconnected.
  asio::awaitable<base::Result<Reply>> Command(Args args);
  asio::awaitable<base::Result<std::vector<Reply>>> Pipeline(std::vector<Args> commands);

  bool connected() const;
  // Stops reconnecting and closes the connection (in-flight commands: 503).
  void Close();

 private:
  Client(asio::any_io_executor executor, std::string host, std::uint16_t port, Options options);

  std::shared_ptr<Connection> Current() const;
  void SetCurrent(std::shared_ptr<Connection> conn);
  // Makes `conn` current, or closes it when Close() has run: both under mu_,
  // so that a Close() between a check and the store cannot miss it (its
  // loops would keep it open for good).
  bool AdoptUnlessClosed(std::shared_ptr<Connection> conn);
  asio::awaitable<void> Reconnect(std::shared_ptr<Client> self);

  const asio::any_io_executor executor_;
  const std::string host_;
  const std::uint16_t port_;
  const Options options_;
  asio::strand<asio::any_io_executor> strand_;  // the reconnect loop's
  asio::steady_timer backoff_;
  std::atomic<bool> closed_{false};  // set under mu_; read anywhere
  mutable std::mutex mu_;
  std::shared_ptr<Connection> conn_;  // guarded by mu_; null while disconnected
};

}  // namespace parley::redis
