#include "webhook/http_poster.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace parley::webhook {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024;

base::Error Failed(const char* step, const boost::system::error_code& ec) {
  return base::MakeError(base::Code::kUnavailable,
                         std::string("webhook ") + step + ": " + ec.message());
}

}  // namespace

asio::awaitable<base::Result<int>> Post(const WebhookUrl& url, std::string body,
                                        std::vector<std::pair<std::string, std::string>> headers,
                                        std::chrono::milliseconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("resolve", ec);

  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);  // covers every step below
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("connect", ec);

  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, url.host + ":" + std::to_string(url.port));
  request.set(http::field::user_agent, "parley-webhook");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Failed("write", ec);

  beast::flat_buffer buffer(kMaxResponseBytes);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  // A status line and headers are enough: an oversized body does not make
  // a 200 a failure.
  if (ec && !parser.is_header_done()) co_return Failed("read", ec);
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  co_return static_cast<int>(parser.get().result_int());
}

}  // namespace parley::webhook
