#include "net/endpoint.h"

#include "base/host_port.h"

namespace parley::net {

base::Result<boost::asio::ip::tcp::endpoint> ParseEndpoint(std::string_view text) {
  auto bad = [](std::string why) {
    return base::MakeError(base::Code::kBadRequest, "invalid listen address: " + why +
                                                        " (expected ADDR:PORT, e.g. 0.0.0.0:8080)");
  };
  auto parsed = base::ParseHostPort(text);
  if (!parsed) return bad(std::move(parsed.error().message));
  std::string& host = parsed->host;
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";

  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  if (error) return bad("\"" + std::string(text) + "\": \"" + host + "\" is not an IP address");
  return boost::asio::ip::tcp::endpoint(address, parsed->port);
}

std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  return base::FormatHostPort(endpoint.address().to_string(), endpoint.port());
}

std::string ClientIp(std::string_view peer) {
  base::Result<base::HostPort> parsed = base::ParseHostPort(peer);
  return parsed ? parsed->host : std::string(peer);
}

}  // namespace parley::net
