#include "net/ws_http_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "net/connection.h"
#include "net/endpoint.h"
#include "net/http_router.h"
#include "net/upgrade_request.h"
#include "protocol/packet.h"

namespace parley::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Request = http::request<http::string_body>;

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHttpHeaderLimit = 8 * 1024;
constexpr std::size_t kHttpBodyLimit = 64 * 1024;
constexpr std::size_t kMaxCloseReason = 123;  // RFC 6455: control payload 125 - code

asio::awaitable<bool> WriteAnswer(beast::tcp_stream& stream, HttpAnswer answer,
                                  unsigned version, bool keep_alive,
                                  std::chrono::seconds timeout) {
  http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
  response.set(http::field::server, "parley");
  response.set(http::field::content_type, answer.content_type);
  if (!answer.allow.empty()) response.set(http::field::allow, answer.allow);
  response.keep_alive(keep_alive);
  response.body() = std::move(answer.body);
  response.prepare_payload();
  stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(stream, response, kToken);
  co_return !ec;
}

class WsConnection final : public Connection {
 public:
  WsConnection(beast::tcp_stream stream, Request upgrade, ServerContext& context,
               std::string peer)
      : Connection(stream.get_executor(), context, "ws", std::move(peer)),
        ws_(std::move(stream)),
        upgrade_(std::move(upgrade)) {}

  // Authenticates the upgrade's credentials, if any, then starts the
  // connection; refused credentials get a 401 and the socket closes.
  static asio::awaitable<void> Open(beast::tcp_stream stream, Request upgrade,
                                    ServerContext& context, std::string peer) {
    const UpgradeCredentials credentials =
        ParseUpgradeCredentials(upgrade.target(), upgrade[http::field::authorization]);
    const unsigned version = upgrade.version();
    auto connection = std::make_shared<WsConnection>(std::move(stream), std::move(upgrade),
                                                     context, std::move(peer));
    if (!credentials.empty()) {
      // The core registers the session for pushes when the user goes online.
      connection->state_.session = connection;
      auto authenticated = context.dispatcher.AuthenticateUpgrade(
          connection->state_, credentials.token, credentials.insecure_user_id);
      if (!authenticated) {
        connection->state_.session.reset();
        co_await WriteAnswer(connection->ws_.next_layer(),
                             JsonError(401, authenticated.error().message), version, false,
                             context.options.write_timeout);
        connection->CloseSocket();
        co_return;
      }
    }
    connection->Start();
  }

 private:
  asio::awaitable<bool> Handshake() override {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = context_.options.close_timeout;  // also bounds the close handshake
    timeouts.idle_timeout = websocket::stream_base::none();       // Connection's watchdog does it
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(context_.options.max_frame);
    ws_.auto_fragment(false);
    ws_.text(true);
    auto [ec] = co_await ws_.async_accept(upgrade_, kToken);
    upgrade_ = {};
    co_return !ec;
  }

  asio::awaitable<std::string> ReadLoop() override {
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer, kToken);
      if (ec == websocket::error::closed) co_return "closed by peer";
      if (ec == websocket::error::message_too_big) {
        base::Bump(context_.metrics.protocol_errors_total);
        co_return "message too big";
      }
      if (ec) co_return "read error: " + ec.message();
      OnInput();
      if (!ws_.got_text()) {
        QueueLocal(0, protocol::ErrorResponse(
                          0,
                          base::MakeError(base::Code::kBadRequest,
                                          "binary messages are not supported: send JSON text"),
                          nullptr));
      } else {
        const auto data = buffer.cdata();
        co_await HandleRequest(std::nullopt,
                               {static_cast<const char*>(data.data()), data.size()});
      }
      buffer.consume(buffer.size());
    }
  }

  // One text message per packet, back to back: WebSocket has no way to put
  // several messages in one write call.
  asio::awaitable<bool> WriteBatch(std::vector<core::OutboundPacket>& packets) override {
    for (const core::OutboundPacket& packet : packets) {
      if (!packet.body) continue;
      auto [ec, n] = co_await ws_.async_write(asio::buffer(*packet.body), kToken);
      if (ec) co_return false;
    }
    co_return true;
  }

  asio::awaitable<void> CloseGracefully(const std::string& reason) override {
    if (!ws_.is_open()) co_return;  // the peer closed first; Beast answered it
    websocket::close_reason close(websocket::close_code::going_away,
                                  reason.substr(0, kMaxCloseReason));
    co_await ws_.async_close(close, kToken);
  }

  void CloseSocket() override { beast::get_lowest_layer(ws_).close(); }

  websocket::stream<beast::tcp_stream> ws_;
  Request upgrade_;  // the upgrade request, until the handshake answered it
};

// A plain HTTP keep-alive connection; hands itself over to WsConnection on
// an upgrade to /ws.
class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, ServerContext& context, std::string peer)
      : context_(context),
        executor_(socket.get_executor()),
        stream_(std::move(socket)),
        peer_(std::move(peer)) {}

  void Start() {
    auto self = shared_from_this();
    asio::co_spawn(executor_, Run(), [self](std::exception_ptr e) {
      if (e) spdlog::error("http {} peer {}: session ended by an exception", self->id_, self->peer_);
      self->context_.registry.Remove(self->id_);
    });
    context_.registry.Add(id_, self);
  }

  // Between requests the session is waiting in a read: cancel it. During a
  // request the reply is still written, with "Connection: close".
  void Close(std::string) override {
    asio::post(executor_, [self = shared_from_this()] {
      self->closing_ = true;
      if (self->reading_) self->stream_.cancel();
    });
  }

 private:
  asio::awaitable<void> Run() {
    beast::flat_buffer buffer;
    while (!closing_) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHttpHeaderLimit);
      parser.body_limit(kHttpBodyLimit);
      stream_.expires_after(context_.options.http_read_timeout);
      reading_ = true;
      auto [ec, n] = co_await http::async_read(stream_, buffer, parser, kToken);
      reading_ = false;
      if (ec) {
        if (ec == http::error::body_limit) {
          co_await Answer(JsonError(413, "request body too large"), 11, false);
        } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                   ec != http::error::end_of_stream) {
          co_await Answer(JsonError(400, "malformed HTTP request"), 11, false);
        }
        break;
      }
      Request request = parser.release();
      if (websocket::is_upgrade(request)) {
        co_await Upgrade(std::move(request));
        co_return;
      }
      const bool keep_alive = request.keep_alive();
      HttpAnswer answer = co_await RouteHttp(context_, request.method_string(),
                                             request.target(), std::move(request.body()));
      const bool written =
          co_await Answer(std::move(answer), request.version(), keep_alive && !closing_);
      if (!written || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> Upgrade(Request request) {
    const unsigned version = request.version();
    if (TargetPath(request.target()) != "/ws") {
      co_await Answer(JsonError(404, "WebSocket endpoint is /ws"), version, false);
    } else if (closing_) {
      co_await Answer(JsonError(503, "server shutting down"), version, false);
    } else if (!OriginAllowed(request[http::field::origin], context_.options.allowed_origins)) {
      co_await Answer(JsonError(403, "origin not allowed"), version, false);
    } else {
      co_await WsConnection::Open(std::move(stream_), std::move(request), context_, peer_);
    }
  }

  asio::awaitable<bool> Answer(HttpAnswer answer, unsigned version, bool keep_alive) {
    const bool written = co_await WriteAnswer(stream_, std::move(answer), version, keep_alive,
                                              context_.options.write_timeout);
    co_return written;
  }

  const std::uint64_t id_ = NextConnectionId();
  ServerContext& context_;
  const asio::any_io_executor executor_;  // stream_ is moved out on an upgrade
  beast::tcp_stream stream_;
  const std::string peer_;
  bool reading_ = false;
  bool closing_ = false;
};

}  // namespace

void StartHttpSession(tcp::socket socket, ServerContext& context) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string peer_text = ec ? "unknown" : FormatEndpoint(peer);
  std::make_shared<HttpSession>(std::move(socket), context, std::move(peer_text))->Start();
}

}  // namespace parley::net
