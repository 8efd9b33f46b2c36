#include "client/tcp_transport.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "client/net_error.h"
#include "protocol/packet.h"

namespace parley::client {
namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
}  // namespace

TcpTransport::TcpTransport(asio::any_io_executor executor, std::uint32_t max_frame)
    : socket_(std::move(executor)), decoder_(max_frame) {}

asio::awaitable<base::Result<void>> TcpTransport::Connect(const Endpoint& server) {
  asio::ip::tcp::resolver resolver(socket_.get_executor());
  std::string port = std::to_string(server.port);
  auto [rec, results] = co_await resolver.async_resolve(server.host, port, kNoThrow);
  if (rec) co_return NetError("resolve " + server.host, rec);
  auto [cec, endpoint] = co_await asio::async_connect(socket_, results, kNoThrow);
  if (cec) co_return NetError("connect " + server.ToString(), cec);
  // Requests are small and latency matters more than packet count.
  socket_.set_option(asio::ip::tcp::no_delay(true));
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<Inbound>> TcpTransport::Read() {
  for (;;) {
    auto next = decoder_.Next();
    if (!next) co_return next.error();
    if (*next) {
      auto body = protocol::ParseObject((*next)->body);
      if (!body) continue;
      co_return Inbound{(*next)->cmd, std::move(*body)};
    }
    auto space = decoder_.WritableSpace();
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(space.data(), space.size()),
                                                    kNoThrow);
    if (ec) co_return NetError("read", ec);
    decoder_.Commit(n);
  }
}

asio::awaitable<base::Result<void>> TcpTransport::Write(std::uint16_t cmd, std::string body) {
  // Header and body go out in one gathered write; the body is not copied.
  protocol::FrameHeaderBytes header = protocol::EncodeFrameHeader(cmd, body.size());
  std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, kNoThrow);
  if (ec) co_return NetError("write", ec);
  co_return base::Result<void>{};
}

void TcpTransport::Close() {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace parley::client
