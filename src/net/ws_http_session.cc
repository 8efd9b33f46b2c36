#include "net/ws_http_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <optional>

#include "base/log_fields.h"
#include "net/endpoint.h"
#include "net/http_router.h"
#include "net/http_stream.h"
#include "net/http_write.h"
#include "net/media_transfer.h"
#include "net/tls_session.h"
#include "net/upgrade_request.h"
#include "net/ws_connection.h"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Request = http::request<http::string_body>;

namespace {

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHttpHeaderLimit = 8 * 1024;
constexpr std::size_t kHttpBodyLimit = 64 * 1024;

}  // namespace

asio::awaitable<bool> WriteAnswer(HttpStream& stream, HttpAnswer answer,
                                  unsigned version, bool keep_alive,
                                  std::chrono::seconds timeout) {
  http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
  response.set(http::field::server, "parley");
  response.set(http::field::content_type, answer.content_type);
  if (!answer.allow.empty()) response.set(http::field::allow, answer.allow);
  if (!answer.content_range.empty()) response.set(http::field::content_range, answer.content_range);
  if (answer.retry_after_ms > 0) {
    const std::int64_t seconds = (answer.retry_after_ms + 999) / 1000;  // never early
    response.set(http::field::retry_after, std::to_string(seconds));
  }
  // RFC 6455 4.2.2: a 426 names the WebSocket version the server speaks.
  if (answer.status == 426) response.set(http::field::sec_websocket_version, "13");
  response.keep_alive(keep_alive);
  response.body() = std::move(answer.body);
  response.prepare_payload();
  stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(stream, response, kToken);
  co_return !ec;
}

namespace {

// Checks the rest of an upgrade request (websocket::is_upgrade checked the
// method, the version and the Connection and Upgrade headers) the way
// Beast's accept does, and makes the 101 answer; or the refusal.
struct Handshake {
  std::string response;  // the 101 answer, when accepted
  std::optional<HttpAnswer> refusal;
};

Handshake CheckUpgrade(const Request& request) {
  if (request.find(http::field::host) == request.end()) {
    return {{}, JsonError(400, "missing Host header")};
  }
  const std::string_view key = request[http::field::sec_websocket_key];
  if (key.empty() || key.size() > websocket::detail::sec_ws_key_type::static_capacity) {
    return {{}, JsonError(400, "missing or bad Sec-WebSocket-Key")};
  }
  if (!WebSocketVersionSupported(request[http::field::sec_websocket_version])) {
    return {{}, JsonError(426, "Sec-WebSocket-Version must be 13")};
  }
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(accept, key);
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Server: parley\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  response.append(accept.data(), accept.size());
  response += "\r\n\r\n";
  return {std::move(response), std::nullopt};
}

// Which listener accepted a session, hence which routes it serves.
enum class HttpPort {
  kPublic,   // the HTTP + WebSocket gateway: every route of http_router.h
  kMetrics,  // --metrics-listen: RouteMetricsHttp only, no upgrade, no media
};

// An HTTP keep-alive connection, plain or TLS; on the public port it hands
// itself over to WsConnection on an upgrade to /ws.
class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::unique_ptr<TlsSession> tls, ServerContext& context,
              std::string peer, HttpPort port)
      : port_(port),
        context_(context),
        executor_(socket.get_executor()),
        stream_(std::move(socket), std::move(tls)),
        peer_(std::move(peer)),
        client_ip_(ClientIp(peer_)) {}

  void Start() {
    auto self = shared_from_this();
    asio::co_spawn(executor_, Run(), [self](std::exception_ptr e) {
      if (e) spdlog::error("http {} peer {}: session ended by an exception", self->id_, self->peer_);
      self->context_.registry.Remove(self->id_);
    });
    context_.registry.Add(id_, self, client_ip_);
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
    if (stream_.tls()) {
      const bool established = co_await TlsHandshake();
      if (!established) co_return;
    }
    beast::flat_buffer buffer;
    while (!closing_) {
      // The header first: a media request streams its body
      // (media_transfer.h); any other is read whole, up to kHttpBodyLimit.
      http::request_parser<http::empty_body> header;
      header.header_limit(kHttpHeaderLimit);
      header.body_limit(boost::none);  // the limit depends on the route: below
      stream_.expires_after(context_.options.http_read_timeout);
      reading_ = true;
      auto [header_ec, header_n] = co_await http::async_read_header(stream_, buffer, header, kToken);
      reading_ = false;
      if (header_ec) {
        co_await AnswerReadError(header_ec);
        break;
      }
      if (port_ == HttpPort::kPublic && IsMediaPath(TargetPath(header.get().target())) &&
          !websocket::is_upgrade(header.get())) {
        const AfterMedia after = co_await ServeMedia(context_, stream_, buffer, header);
        if (after == AfterMedia::kClose || closing_) break;
        continue;
      }
      http::request_parser<http::string_body> parser{std::move(header)};
      parser.body_limit(kHttpBodyLimit);  // chunked bodies
      boost::system::error_code ec;
      if (parser.content_length().value_or(0) > kHttpBodyLimit) {
        ec = http::error::body_limit;
      } else if (!parser.is_done()) {
        stream_.expires_after(context_.options.http_read_timeout);
        reading_ = true;
        auto [body_ec, body_n] = co_await http::async_read(stream_, buffer, parser, kToken);
        reading_ = false;
        ec = body_ec;
      }
      if (ec) {
        co_await AnswerReadError(ec);
        break;
      }
      Request request = parser.release();
      if (port_ == HttpPort::kPublic && websocket::is_upgrade(request)) {
        // Bytes the client sent after the request belong to the WebSocket.
        const std::string_view early(static_cast<const char*>(buffer.data().data()), buffer.size());
        co_await Upgrade(std::move(request), early);
        co_return;
      }
      const bool keep_alive = request.keep_alive();
      const std::string authorization(request[http::field::authorization]);
      HttpAnswer answer;
      switch (port_) {
        case HttpPort::kPublic:
          answer = co_await RouteHttp(context_, request.method_string(), request.target(),
                                      std::move(request.body()), client_ip_, authorization);
          break;
        case HttpPort::kMetrics:
          answer = RouteMetricsHttp(context_, request.method_string(), request.target());
          break;
      }
      const bool written =
          co_await Answer(std::move(answer), request.version(), keep_alive && !closing_);
      if (!written || !keep_alive) break;
    }
    stream_.ShutdownSend();
  }

  // Within the auth deadline, as on the TCP port. A failure (a plain-text
  // client, a peer that never finishes) is counted, logged and the socket
  // closed: nothing can be answered without TLS.
  asio::awaitable<bool> TlsHandshake() {
    stream_.expires_after(context_.options.auth_timeout);
    reading_ = true;
    const boost::system::error_code ec = co_await stream_.Handshake();
    reading_ = false;
    stream_.expires_never();
    if (!ec) co_return true;
    if (closing_ && ec == asio::error::operation_aborted) co_return false;
    base::Bump(context_.metrics.tls_handshake_failures_total);
    LogHandshakeFailure(ec);
    stream_.DiscardInput();
    co_return false;
  }

  // A plain function: log fields must not live across a co_await
  // (base/log_fields.h).
  void LogHandshakeFailure(const boost::system::error_code& ec) const {
    const std::string reason = ec == asio::error::timed_out
                                   ? std::string("tls handshake timeout")
                                   : "tls handshake failed: " + ec.message();
    const base::LogField fields[] = {{"conn", id_},
                                     {"event", "tls_failed"},
                                     {"transport", "https"},
                                     {"peer", peer_},
                                     {"reason", reason}};
    const base::ScopedLogFields scope(fields);
    spdlog::info("http {} peer {}: {}", id_, peer_, reason);
  }

  // The answer to a request that could not be read, if it deserves one.
  asio::awaitable<void> AnswerReadError(boost::system::error_code ec) {
    if (ec == http::error::body_limit) {
      co_await Answer(JsonError(413, "request body too large"), 11, false);
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream) {
      co_await Answer(JsonError(400, "malformed HTTP request"), 11, false);
    }
  }

  asio::awaitable<void> Upgrade(Request request, std::string_view early_input) {
    const unsigned version = request.version();
    Handshake handshake = CheckUpgrade(request);
    if (TargetPath(request.target()) != "/ws") {
      co_await Answer(JsonError(404, "WebSocket endpoint is /ws"), version, false);
      co_return;
    }
    if (closing_) {
      co_await Answer(JsonError(503, "server shutting down"), version, false);
      co_return;
    }
    if (!OriginAllowed(request[http::field::origin], context_.options.allowed_origins)) {
      co_await Answer(JsonError(403, "origin not allowed"), version, false);
      co_return;
    }
    if (handshake.refusal) {
      co_await Answer(std::move(*handshake.refusal), version, false);
      co_return;
    }
    auto connection =
        std::make_shared<WsConnection>(executor_, context_, peer_, stream_.tls() ? "wss" : "ws");
    UpgradeCredentials credentials =
        ParseUpgradeCredentials(request.target(), request[http::field::authorization]);
    const base::Result<void> authenticated = co_await connection->Authenticate(std::move(credentials));
    if (!authenticated) {
      const int status = static_cast<int>(authenticated.error().code);
      co_await Answer(JsonError(status, authenticated.error().message), version, false);
      co_return;
    }
    request = {};  // freed before the long-lived connection allocates
    auto [socket, tls] = stream_.Release();
    connection->Start(std::move(socket), std::move(tls), std::move(handshake.response),
                      early_input);
  }

  asio::awaitable<bool> Answer(HttpAnswer answer, unsigned version, bool keep_alive) {
    const bool written = co_await WriteAnswer(stream_, std::move(answer), version, keep_alive,
                                              context_.options.write_timeout);
    co_return written;
  }

  const std::uint64_t id_ = NextConnectionId();
  const HttpPort port_;
  ServerContext& context_;
  const asio::any_io_executor executor_;  // stream_ is moved out on an upgrade
  HttpStream stream_;
  const std::string peer_;
  const std::string client_ip_;
  bool reading_ = false;
  bool closing_ = false;
};

}  // namespace

void StartHttpSession(tcp::socket socket, ServerContext& context) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string peer_text = ec ? "unknown" : FormatEndpoint(peer);
  std::unique_ptr<TlsSession> tls;
  if (context.tls) {
    socket.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
    auto session = TlsSession::Accept(context.tls->Current(), socket.native_handle());
    if (ec || !session) {
      spdlog::error("http peer {}: {}", peer_text,
                    ec ? ec.message() : session.error().message);
      socket.close(ec);
      return;
    }
    tls = std::move(*session);
  }
  std::make_shared<HttpSession>(std::move(socket), std::move(tls), context, std::move(peer_text),
                                HttpPort::kPublic)
      ->Start();
}

void StartMetricsSession(tcp::socket socket, ServerContext& context) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string peer_text = ec ? "unknown" : FormatEndpoint(peer);
  std::make_shared<HttpSession>(std::move(socket), nullptr, context, std::move(peer_text),
                                HttpPort::kMetrics)
      ->Start();
}

}  // namespace parley::net
