#include "net/tcp_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <span>

#include "net/connection.h"
#include "net/endpoint.h"
#include "net/frame_batch.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"

namespace parley::net {
namespace {

using asio::ip::tcp;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

std::string ReadEndReason(const boost::system::error_code& ec) {
  if (ec == asio::error::eof) return "closed by peer";
  if (ec == asio::error::operation_aborted) return "closed";
  return "read error: " + ec.message();
}

class TcpConnection final : public Connection {
 public:
  TcpConnection(tcp::socket socket, ServerContext& context, std::string peer)
      : Connection(socket.get_executor(), context, "tcp", std::move(peer)),
        socket_(std::move(socket)),
        decoder_(context.options.max_frame) {}

  using Connection::Start;

 private:
  asio::awaitable<std::string> ReadLoop() override {
    for (;;) {
      const std::span<char> space = decoder_.WritableSpace(kReadChunk);
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(space.data(), space.size()),
                                                      kToken);
      if (ec) co_return ReadEndReason(ec);
      OnInput();
      // Once closing, input is read only to see the peer's end; it is dropped
      // (not committed, so the decoder does not grow).
      if (closing()) continue;
      decoder_.Commit(n);
      co_await HandleFrames();
    }
  }

  asio::awaitable<void> HandleFrames() {
    while (!closing()) {
      auto next = decoder_.Next();
      if (!next) {
        // The stream cannot be resynchronised: answer, then close after the flush.
        base::Bump(context_.metrics.protocol_errors_total);
        QueueLocal(0, protocol::ErrorResponse(0, next.error(), nullptr));
        BeginClose("protocol error: " + next.error().message);
        co_return;
      }
      if (!*next) co_return;
      co_await StartRequest((*next)->cmd, (*next)->body);
    }
  }

  // One gather write of every queued frame: header and shared body per
  // packet, no copy of the bodies (asio issues writev, up to 64 buffers each).
  asio::awaitable<bool> WriteBatch(std::vector<core::OutboundPacket>& packets) override {
    batch_.Assign(packets);
    const std::span<const asio::const_buffer> buffers(batch_.buffers());
    auto [ec, n] = co_await asio::async_write(socket_, buffers, kToken);
    batch_.Clear();
    co_return !ec;
  }

  // Our side ends with a FIN; the reader keeps reading until the peer's FIN,
  // so close() never hits unread input (which would send a RST and could
  // destroy our last packets in flight).
  asio::awaitable<void> CloseGracefully(const std::string&) override {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }

  void CloseSocket() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  protocol::FrameDecoder decoder_;
  FrameBatch batch_;
};

}  // namespace

void StartTcpConnection(tcp::socket socket, ServerContext& context) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // latency matters more than segment count
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string peer_text = ec ? "unknown" : FormatEndpoint(peer);
  std::make_shared<TcpConnection>(std::move(socket), context, std::move(peer_text))->Start();
}

}  // namespace parley::net
