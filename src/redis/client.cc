#include "redis/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <utility>

#include "redis/connection.h"
#include "redis/tcp_connect.h"

namespace parley::redis {
namespace {

base::Error Disconnected() { return Unavailable("reconnecting"); }

}  // namespace

Client::Client(asio::any_io_executor executor, std::string host, std::uint16_t port,
               Options options)
    : executor_(executor),
      host_(std::move(host)),
      port_(port),
      options_(std::move(options)),
      strand_(asio::make_strand(executor)),
      backoff_(strand_) {}

Client::~Client() = default;

asio::awaitable<base::Result<std::shared_ptr<Client>>> Client::Connect(
    asio::any_io_executor executor, std::string host, std::uint16_t port, Options options) {
  base::Result<std::shared_ptr<Connection>> first =
      co_await Connection::Connect(executor, host, port, options);
  if (!first) co_return first.error();
  std::shared_ptr<Client> client(
      new Client(std::move(executor), std::move(host), port, std::move(options)));
  client->SetCurrent(std::move(*first));
  if (client->options_.health) client->options_.health->Track(base::Dependency::kRedis);
  asio::co_spawn(client->strand_, client->Reconnect(client), asio::detached);
  co_return client;
}

asio::awaitable<base::Result<Reply>> Client::Command(Args args) {
  std::shared_ptr<Connection> conn = Current();
  if (!conn) co_return Disconnected();
  co_return co_await conn->Command(std::move(args));
}

asio::awaitable<base::Result<std::vector<Reply>>> Client::Pipeline(std::vector<Args> commands) {
  std::shared_ptr<Connection> conn = Current();
  if (!conn) co_return Disconnected();
  co_return co_await conn->Pipeline(std::move(commands));
}

bool Client::connected() const {
  std::shared_ptr<Connection> conn = Current();
  return conn && conn->is_open();
}

void Client::Close() {
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(mu_);
    if (closed_.exchange(true)) return;
    conn = std::move(conn_);
  }
  if (conn) conn->Close();
  asio::post(strand_, [self = shared_from_this()] { self->backoff_.cancel(); });
}

std::shared_ptr<Connection> Client::Current() const {
  std::lock_guard lock(mu_);
  return conn_;
}

void Client::SetCurrent(std::shared_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  conn_ = std::move(conn);
}

bool Client::AdoptUnlessClosed(std::shared_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      conn_ = std::move(conn);
      return true;
    }
  }
  conn->Close();
  return false;
}

asio::awaitable<void> Client::Reconnect(std::shared_ptr<Client> /*keep_alive*/) {
  const std::string where = host_ + ":" + std::to_string(port_);
  while (!closed_) {
    std::shared_ptr<Connection> conn = Current();
    std::string why = "not connected";
    if (conn) {
      co_await conn->WaitClosed();
      why = conn->close_reason();
      conn.reset();
    }
    if (closed_) co_return;
    // Answer 503 at once from now on rather than queue on a dead connection.
    SetCurrent(nullptr);
    // The dependency's log line is DependencyHealth's, once per outage for
    // all the clients of this process; this one is per client.
    spdlog::debug("redis: lost {}, reconnecting", where);
    if (options_.health) options_.health->ReportDown(base::Dependency::kRedis, where + ": " + why);
    auto delay = options_.reconnect_min;
    for (;;) {
      backoff_.expires_after(delay);
      co_await backoff_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (closed_) co_return;
      base::Result<std::shared_ptr<Connection>> next =
          co_await Connection::Connect(executor_, host_, port_, options_);
      if (next) {
        // Close() may have run while connecting; it would not see this one.
        if (!AdoptUnlessClosed(std::move(*next))) co_return;
        spdlog::debug("redis: reconnected to {}", where);
        if (options_.health) options_.health->ReportUp(base::Dependency::kRedis);
        break;
      }
      delay = std::min(delay * 2, options_.reconnect_max);
    }
  }
}

}  // namespace parley::redis
