// The WebSocket transport of the load generator: ws://, or wss:// with
// --tls (the TLS layer set up as tls_conn.cc's). The one Beast translation
// unit of parley-bench (Beast is slow to compile). One JSON text frame per
// packet.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <type_traits>

#include "tools/bench/conn.h"
#include "tools/bench/tls.h"

namespace parley::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;

void OpenBound(tcp::socket& socket, const Target& target);  // tcp_conn.cc

namespace {

using TlsSocket = ssl::stream<tcp::socket>;

// `Stream`: tcp::socket (ws://) or TlsSocket (wss://).
template <class Stream>
class WsConn final : public Conn {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

  WsConn(asio::io_context& io, const Target& target) : ws_(MakeWs(io, target)), target_(target) {}

  void Start(OpenHandler on_open) override {
    OpenBound(Socket(), target_);
    const tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
    Socket().async_connect(server, [this, on_open = std::move(on_open)](auto ec) mutable {
      if (ec) {
        on_open(false);
        return;
      }
      Socket().set_option(tcp::no_delay(true), ec);
      if constexpr (kTls) {
        ws_.next_layer().async_handshake(
            ssl::stream_base::client, [this, on_open = std::move(on_open)](auto hec) mutable {
              if (hec) {
                on_open(false);
                return;
              }
              Upgrade(std::move(on_open));
            });
      } else {
        Upgrade(std::move(on_open));
      }
    });
  }

  void Send(std::uint16_t, std::string_view body) override {
    queue_.emplace_back(body);
    if (queue_.size() == 1) WriteFront();
  }

  void Close() override {
    boost::system::error_code ec;
    Socket().close(ec);
  }

 private:
  static websocket::stream<Stream> MakeWs(asio::io_context& io, const Target& target) {
    if constexpr (kTls) {
      websocket::stream<Stream> ws(io, SharedTlsContext(target.ca_file));
      ExpectServerName(ws.next_layer(), target);
      return ws;
    } else {
      return websocket::stream<Stream>(io);
    }
  }

  tcp::socket& Socket() { return beast::get_lowest_layer(ws_); }

  void Upgrade(OpenHandler on_open) {
    ws_.text(true);
    ws_.read_message_max(16u << 20);
    const std::string host = target_.host + ":" + std::to_string(target_.port);
    ws_.async_handshake(host, "/ws", [this, on_open = std::move(on_open)](auto hec) {
      if (hec) {
        on_open(false);
        return;
      }
      on_open(true);
      Read();
    });
  }

  void Read() {
    ws_.async_read(buffer_, [this](auto ec, std::size_t) {
      if (ec) {
        if (on_closed_) on_closed_();
        return;
      }
      const auto data = buffer_.cdata();
      const std::string_view body(static_cast<const char*>(data.data()), data.size());
      const std::int64_t cmd = FindInt(body, "cmd", 0xFFFF);
      if (on_packet_) on_packet_(static_cast<std::uint16_t>(cmd), body);
      buffer_.consume(buffer_.size());
      Read();
    });
  }

  // Beast allows one write at a time: packets go out one frame after another.
  void WriteFront() {
    ws_.async_write(asio::buffer(queue_.front()), [this](auto ec, std::size_t) {
      if (ec) return;
      queue_.pop_front();
      if (!queue_.empty()) WriteFront();
    });
  }

  websocket::stream<Stream> ws_;
  Target target_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
};

}  // namespace

std::unique_ptr<Conn> MakeWsConn(asio::io_context& io, const Target& target) {
  if (target.security == Security::kTls) return std::make_unique<WsConn<TlsSocket>>(io, target);
  return std::make_unique<WsConn<tcp::socket>>(io, target);
}

}  // namespace parley::bench
