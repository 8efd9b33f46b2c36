#include "net/listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "net/endpoint.h"

namespace parley::net {
namespace {

using asio::ip::tcp;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

}  // namespace

Listener::Listener(std::string name, const std::string& listen, asio::any_io_executor executor,
                   ServerContext& context, OnAccept on_accept)
    : name_(std::move(name)),
      acceptor_(executor),
      context_(context),
      on_accept_(std::move(on_accept)) {
  auto fail = [&](const std::string& reason) {
    throw std::runtime_error("cannot listen " + name_ + " on " + listen + ": " + reason);
  };
  const auto endpoint = ParseEndpoint(listen);
  if (!endpoint) fail(endpoint.error().message);

  boost::system::error_code ec;
  acceptor_.open(endpoint->protocol(), ec);
  // Restarting must not wait for TIME_WAIT sockets of the previous process.
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(*endpoint, ec);
  if (!ec) acceptor_.listen(tcp::acceptor::max_listen_connections, ec);
  if (!ec) endpoint_ = acceptor_.local_endpoint(ec);
  if (ec) fail(ec.message());
}

void Listener::StartAccepting() {
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                 [self = shared_from_this()](std::exception_ptr e) {
                   if (e) spdlog::error("{} accept loop ended by an exception", self->name_);
                 });
}

void Listener::Stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

asio::awaitable<void> Listener::AcceptLoop() {
  while (acceptor_.is_open()) {
    // The new socket is bound to the I/O thread it will live on.
    auto [ec, socket] = co_await acceptor_.async_accept(context_.NextExecutor(), kToken);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Typically EMFILE: back off instead of spinning; existing
      // connections keep being served.
      spdlog::warn("{} accept failed: {}", name_, ec.message());
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kToken);
      continue;
    }
    const auto executor = socket.get_executor();
    asio::post(executor, [this, self = shared_from_this(), socket = std::move(socket)]() mutable {
      on_accept_(std::move(socket), context_);
    });
  }
}

}  // namespace parley::net
