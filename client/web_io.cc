// Everything that needs Beast: the WebSocket transport and the HTTP account
// calls, plain or over TLS (beast::ssl_stream, set up by tls_client.h). Kept
// in one translation unit because Beast dominates compile time.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <optional>
#include <type_traits>

#include "client/http_auth.h"
#include "client/net_error.h"
#include "client/tls_client.h"
#include "client/ws_transport.h"
#include "protocol/packet.h"

namespace parley::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::uint16_t CmdOf(const json::object& body) {
  const json::value* v = body.if_contains("cmd");
  if (v != nullptr && v->is_int64() && v->as_int64() >= 0 && v->as_int64() < Inbound::kUnknownCmd) {
    return static_cast<std::uint16_t>(v->as_int64());
  }
  return Inbound::kUnknownCmd;
}

// The TLS layer when the connection has one: its own client context, made
// before the stream that uses it.
struct ClientTls {
  explicit ClientTls(TlsOptions tls) : options(std::move(tls)), context(ssl::context::tls_client) {}
  TlsOptions options;
  ssl::context context;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The TCP connection, then with TLS the handshake (the server's certificate
// and name verified: tls_client.h). `stream` is PlainStream or TlsStream.
template <class Stream>
asio::awaitable<base::Result<void>> ConnectStream(Stream& stream, ClientTls* tls,
                                                  const Endpoint& server) {
  constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  if constexpr (kTls) {
    auto configured = ConfigureClientContext(tls->context.native_handle(), tls->options);
    if (configured) configured = ExpectServer(stream.native_handle(), server.host);
    if (!configured) co_return configured.error();
  }
  tcp::resolver resolver(stream.get_executor());
  std::string port = std::to_string(server.port);
  auto [rec, results] = co_await resolver.async_resolve(server.host, port, kNoThrow);
  if (rec) co_return NetError("resolve " + server.host, rec);
  auto [cec, endpoint] = co_await beast::get_lowest_layer(stream).async_connect(results, kNoThrow);
  if (cec) co_return NetError("connect " + server.ToString(), cec);
  beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true));
  if constexpr (kTls) {
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) co_return NetError("tls handshake with " + server.ToString(), hec);
  }
  co_return base::Result<void>{};
}

// ws:// over PlainStream, wss:// over TlsStream.
template <class Stream>
class WsTransport final : public Transport {
 public:
  WsTransport(asio::any_io_executor executor, std::uint32_t max_frame)
      : ws_(std::move(executor)) {
    ws_.read_message_max(max_frame);
  }
  WsTransport(asio::any_io_executor executor, std::uint32_t max_frame, TlsOptions tls)
      : tls_(std::make_unique<ClientTls>(std::move(tls))),
        ws_(std::move(executor), tls_->context) {
    ws_.read_message_max(max_frame);
  }

  asio::awaitable<base::Result<void>> Connect(const Endpoint& server) override {
    base::Result<void> connected = co_await ConnectStream(ws_.next_layer(), tls_.get(), server);
    if (!connected) co_return connected;
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    std::string host = server.ToString();
    auto [hec] = co_await ws_.async_handshake(host, "/ws", kNoThrow);
    if (hec) co_return NetError("websocket handshake " + server.ToString(), hec);
    ws_.text(true);
    co_return base::Result<void>{};
  }

  asio::awaitable<base::Result<Inbound>> Read() override {
    for (;;) {
      buffer_.clear();
      auto [ec, n] = co_await ws_.async_read(buffer_, kNoThrow);
      if (ec) co_return NetError("read", ec);
      auto body = protocol::ParseObject(beast::buffers_to_string(buffer_.data()));
      if (!body) continue;
      std::uint16_t cmd = CmdOf(*body);
      co_return Inbound{cmd, std::move(*body)};
    }
  }

  asio::awaitable<base::Result<void>> Write(std::uint16_t, std::string body) override {
    auto [ec, n] = co_await ws_.async_write(asio::buffer(body), kNoThrow);
    if (ec) co_return NetError("write", ec);
    co_return base::Result<void>{};
  }

  void Close() override { beast::get_lowest_layer(ws_).close(); }

 private:
  std::unique_ptr<ClientTls> tls_;  // before ws_, whose TLS layer uses it
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

base::Error HttpError(unsigned status, const std::string& body) {
  base::Code code = base::Code::kInternal;
  switch (status) {
    case 400: case 401: case 403: case 404: case 409: case 413: case 429: case 503:
      code = static_cast<base::Code>(status);
      break;
    default:
      break;
  }
  std::string message = "HTTP " + std::to_string(status);
  if (auto parsed = protocol::ParseObject(body)) {
    if (auto text = protocol::RequiredString(*parsed, "error")) message = std::string(*text);
  }
  return base::MakeError(code, std::move(message));
}

template <class Stream>
asio::awaitable<base::Result<AuthReply>> Post(Stream& stream, ClientTls* tls, Endpoint server,
                                              std::string target, std::string body) {
  base::Result<void> connected = co_await ConnectStream(stream, tls, server);
  if (!connected) co_return connected.error();

  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, server.ToString());
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  auto [wec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (wec) co_return NetError("POST " + target, wec);

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  auto [rdec, read] = co_await http::async_read(stream, buffer, response, kNoThrow);
  if (rdec) co_return NetError("POST " + target, rdec);
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);

  if (response.result_int() != 200) co_return HttpError(response.result_int(), response.body());
  auto reply = protocol::ParseObject(response.body());
  if (!reply) co_return base::MakeError(base::Code::kInternal, "bad reply: " + reply.error().message);
  auto user = protocol::RequiredString(*reply, "user_id");
  auto token = protocol::RequiredString(*reply, "token");
  if (!user || !token) co_return base::MakeError(base::Code::kInternal, "reply lacks user_id/token");
  co_return AuthReply{std::string(*user), std::string(*token)};
}

asio::awaitable<base::Result<AuthReply>> PostCredentials(Endpoint server,
                                                         std::optional<TlsOptions> tls,
                                                         std::string target, std::string body,
                                                         std::chrono::milliseconds timeout) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  if (!tls) {
    PlainStream stream(executor);
    // One deadline for the whole exchange: the stream applies it to every step.
    stream.expires_after(timeout);
    auto posted = co_await Post(stream, nullptr, std::move(server), std::move(target),
                                std::move(body));
    co_return posted;
  }
  ClientTls client_tls(std::move(*tls));
  TlsStream stream(executor, client_tls.context);
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto posted = co_await Post(stream, &client_tls, std::move(server), std::move(target),
                              std::move(body));
  co_return posted;
}

}  // namespace

std::unique_ptr<Transport> MakeWsTransport(asio::any_io_executor executor, std::uint32_t max_frame,
                                           const std::optional<TlsOptions>& tls) {
  if (!tls) return std::make_unique<WsTransport<PlainStream>>(std::move(executor), max_frame);
  return std::make_unique<WsTransport<TlsStream>>(std::move(executor), max_frame, *tls);
}

base::Result<AuthReply> HttpAuth(const Endpoint& http, const std::optional<TlsOptions>& tls,
                                 AuthAction action, std::string_view user_id,
                                 std::string_view password, std::chrono::milliseconds timeout) {
  std::string target = action == AuthAction::kRegister ? "/api/register" : "/api/login";
  std::string body = json::serialize(json::object{{"user_id", user_id}, {"password", password}});
  asio::io_context io;
  base::Result<AuthReply> out = base::MakeError(base::Code::kInternal, "not run");
  asio::co_spawn(io, PostCredentials(http, tls, std::move(target), std::move(body), timeout),
                 [&out](std::exception_ptr e, base::Result<AuthReply> r) {
                   out = e ? base::Result<AuthReply>(
                                 base::MakeError(base::Code::kInternal, "HTTP client failed"))
                           : std::move(r);
                 });
  io.run();
  return out;
}

}  // namespace parley::client
