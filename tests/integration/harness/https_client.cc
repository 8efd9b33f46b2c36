// HttpsRequest (http_client.h): HttpRequest's exchange over asio::ssl.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "integration/harness/http_client.h"

namespace parley::testing {

HttpResponse HttpsRequest(std::uint16_t port, const std::string& ca_file, const std::string& method,
                          const std::string& target, const HttpHeaders& headers,
                          const std::string& body) {
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code ec;
  context.load_verify_file(ca_file, ec);
  if (ec) return {};
  context.set_verify_mode(ssl::verify_peer);
  ssl::stream<asio::ip::tcp::socket> stream(io, context);
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (!ec) asio::write(stream, asio::buffer(HttpRequestHead(method, target, headers, body)), ec);
  if (!ec) asio::write(stream, asio::buffer(body), ec);
  if (ec) return {};
  std::string response;
  asio::read(stream, asio::dynamic_buffer(response), ec);  // until the server closes
  return ParseHttpResponse(response);
}

std::string RegisterUserTls(std::uint16_t port, const std::string& ca_file,
                            const std::string& user_id, const std::string& password) {
  namespace json = boost::json;
  const HttpResponse r =
      HttpsRequest(port, ca_file, "POST", "/api/register", {{"Content-Type", "application/json"}},
                   json::serialize(json::object{{"user_id", user_id}, {"password", password}}));
  if (r.status != 200) return "";
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("token")) return "";
  return std::string(v.at("token").as_string());
}

}  // namespace parley::testing
