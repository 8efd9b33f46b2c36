#include "net/endpoint.h"

#include <charconv>

namespace parley::net {
namespace {

base::Error Bad(std::string_view text, std::string_view why) {
  return base::MakeError(base::Code::kBadRequest,
                         "invalid listen address \"" + std::string(text) + "\": " +
                             std::string(why) + " (expected ADDR:PORT, e.g. 0.0.0.0:8080)");
}

}  // namespace

base::Result<boost::asio::ip::tcp::endpoint> ParseEndpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Bad(text, "missing :PORT");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);

  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Bad(text, "port must be a number from 0 to 65535");
  }

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Bad(text, "an IPv6 address must be in brackets");
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";

  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return Bad(text, "\"" + std::string(host) + "\" is not an IP address");
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace parley::net
