#include "redis/tcp_connect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace parley::redis {

base::Error Unavailable(const std::string& why) {
  return base::MakeError(base::Code::kUnavailable, "redis unavailable: " + why);
}

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<base::Result<void>> TcpConnect(tcp::socket& socket, const std::string& host,
                                               std::uint16_t port,
                                               std::chrono::milliseconds timeout) {
  const std::string where = host + ":" + std::to_string(port);
  // Shared with the deadline's handler, which may run after this frame is
  // gone; `done` tells it the socket is no longer ours to close.
  struct State {
    explicit State(const asio::any_io_executor& ex) : resolver(ex) {}
    tcp::resolver resolver;
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<State>(socket.get_executor());
  asio::steady_timer deadline(socket.get_executor(), timeout);
  deadline.async_wait([state, &socket](boost::system::error_code ec) {
    if (ec || state->done) return;
    state->timed_out = true;
    state->resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  auto finish = [&](const std::string& step, boost::system::error_code ec) -> base::Result<void> {
    state->done = true;
    deadline.cancel();
    if (!ec) return {};
    return Unavailable(step + " " + where + ": " +
                       (state->timed_out ? std::string("timed out") : ec.message()));
  };

  auto [resolve_ec, endpoints] = co_await state->resolver.async_resolve(
      host, std::to_string(port), asio::as_tuple(asio::use_awaitable));
  if (resolve_ec || state->timed_out) {
    co_return finish("resolve", resolve_ec ? resolve_ec : asio::error::timed_out);
  }
  auto [connect_ec, endpoint] =
      co_await asio::async_connect(socket, endpoints, asio::as_tuple(asio::use_awaitable));
  base::Result<void> result = finish("connect", connect_ec);
  if (!result) co_return result;
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  co_return result;
}

}  // namespace parley::redis
