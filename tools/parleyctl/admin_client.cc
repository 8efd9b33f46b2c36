#include "tools/parleyctl/admin_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

namespace parley::ctl {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

// A /metrics page of a busy server is well under this.
constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

base::Error Unreachable(const std::string& what, const boost::system::error_code& ec) {
  return base::MakeError(base::Code::kUnavailable, what + ": " + ec.message());
}

template <class Stream>
base::Result<HttpAnswer> Exchange(Stream& stream, http::request<http::string_body>& request) {
  boost::system::error_code ec;
  http::write(stream, request, ec);
  if (ec) return Unreachable("sending the request", ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  http::read(stream, buffer, parser, ec);
  if (ec) return Unreachable("reading the answer", ec);
  return HttpAnswer{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

}  // namespace

base::Result<ServerAddress> ParseServerUrl(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return base::MakeError(base::Code::kBadRequest, "--url '" + std::string(text) + "': " + why);
  };
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url) return bad("not an absolute URL");
  ServerAddress address;
  if (url->scheme() == "https") {
    address.https = true;
  } else if (url->scheme() != "http") {
    return bad("the scheme must be http or https");
  }
  address.host = std::string(url->encoded_host());
  if (address.host.empty()) return bad("no host");
  address.port = url->has_port() ? std::string(url->port()) : (address.https ? "443" : "80");
  if (!url->encoded_path().empty() && url->encoded_path() != "/") return bad("no path, please");
  return address;
}

AdminClient::AdminClient(ServerAddress server, std::string api_key, std::string ca_file,
                         std::chrono::seconds timeout)
    : server_(std::move(server)),
      api_key_(std::move(api_key)),
      ca_file_(std::move(ca_file)),
      timeout_(timeout) {}

base::Result<HttpAnswer> AdminClient::Request(std::string_view method, std::string_view path,
                                              std::string_view body) const {
  asio::io_context io;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(server_.host, server_.port, ec);
  if (ec) return Unreachable("resolving " + server_.host, ec);

  http::request<http::string_body> request{http::string_to_verb(method), path, 11};
  request.set(http::field::host, server_.host);
  request.set(http::field::user_agent, "parleyctl");
  if (!api_key_.empty()) request.set(http::field::authorization, "Bearer " + api_key_);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = std::string(body);
  request.prepare_payload();

  const std::string where = server_.host + ":" + server_.port;
  if (!server_.https) {
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    stream.connect(endpoints, ec);
    if (ec) return Unreachable("connecting to " + where, ec);
    return Exchange(stream, request);
  }
  ssl::context tls(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_verify_mode(ssl::verify_peer);
  if (ca_file_.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(ca_file_, ec);
  }
  if (ec) return base::MakeError(base::Code::kBadRequest, "--ca " + ca_file_ + ": " + ec.message());
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), server_.host.c_str())) {
    return base::MakeError(base::Code::kInternal, "cannot set the TLS server name");
  }
  stream.set_verify_callback(ssl::host_name_verification(server_.host));
  beast::get_lowest_layer(stream).expires_after(timeout_);
  beast::get_lowest_layer(stream).connect(endpoints, ec);
  if (ec) return Unreachable("connecting to " + where, ec);
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return Unreachable("TLS handshake with " + where, ec);
  return Exchange(stream, request);
}

}  // namespace parley::ctl
