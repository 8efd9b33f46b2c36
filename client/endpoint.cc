#include "client/endpoint.h"

#include <charconv>

namespace parley::client {

base::Result<Endpoint> ParseEndpoint(std::string_view text) {
  auto bad = [&] {
    return base::MakeError(base::Code::kBadRequest,
                           "bad address '" + std::string(text) + "', expected host:port");
  };
  // rfind: the port follows the last ':', so "[::1]:80"-style hosts keep their colons.
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return bad();
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace parley::client
