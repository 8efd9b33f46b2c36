#include "webhook/http_poster.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

namespace parley::webhook {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024;

base::Error Failed(const char* step, const boost::system::error_code& ec) {
  return base::MakeError(base::Code::kUnavailable,
                         std::string("webhook ") + step + ": " + ec.message());
}

// Writes the request and reads the answer's status on a connected stream
// (plain or TLS).
template <class Stream>
asio::awaitable<base::Result<int>> Exchange(Stream& stream,
                                            http::request<http::string_body>& request) {
  boost::system::error_code ec;
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("write", ec);
  beast::flat_buffer buffer(kMaxResponseBytes);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  // A status line and headers are enough: an oversized body does not make
  // a 200 a failure.
  if (ec && !parser.is_header_done()) co_return Failed("read", ec);
  co_return static_cast<int>(parser.get().result_int());
}

}  // namespace

base::Result<std::unique_ptr<HttpPoster>> HttpPoster::Make(WebhookUrl url,
                                                           const std::string& ca_file) {
  std::unique_ptr<ssl::context> tls;
  if (url.scheme == Scheme::kHttps) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(ca_file, ec);
    }
    if (ec) {
      return base::MakeError(base::Code::kBadRequest,
                             "webhook CAs " + (ca_file.empty() ? "(system)" : ca_file) + ": " +
                                 ec.message());
    }
  }
  return std::unique_ptr<HttpPoster>(new HttpPoster(std::move(url), std::move(tls)));
}

HttpPoster::HttpPoster(WebhookUrl url, std::unique_ptr<ssl::context> tls)
    : url_(std::move(url)), tls_(std::move(tls)) {}

HttpPoster::~HttpPoster() = default;

asio::awaitable<base::Result<int>> HttpPoster::Post(
    std::string body, std::vector<std::pair<std::string, std::string>> headers,
    std::chrono::milliseconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(url_.host, std::to_string(url_.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("resolve", ec);

  http::request<http::string_body> request{http::verb::post, url_.target, 11};
  request.set(http::field::host, url_.host + ":" + std::to_string(url_.port));
  request.set(http::field::user_agent, "parley-webhook");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();

  if (!tls_) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);  // covers every step below
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Failed("connect", ec);
    base::Result<int> status = co_await Exchange(stream, request);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    co_return status;
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, *tls_);
  beast::get_lowest_layer(stream).expires_after(timeout);  // covers every step below
  // SNI, and the name the certificate must carry.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str())) {
    co_return base::MakeError(base::Code::kUnavailable, "webhook: cannot set the TLS server name");
  }
  stream.set_verify_callback(ssl::host_name_verification(url_.host));
  co_await beast::get_lowest_layer(stream).async_connect(
      endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("connect", ec);
  co_await stream.async_handshake(ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("TLS handshake", ec);
  base::Result<int> status = co_await Exchange(stream, request);
  // The answer is in: no need to wait for the receiver's close_notify.
  beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  co_return status;
}

}  // namespace parley::webhook
