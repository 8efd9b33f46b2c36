#include "base/host_port.h"

#include <charconv>

namespace parley::base {
namespace {

Error Bad(std::string_view text, std::string_view why) {
  return MakeError(Code::kBadRequest,
                   "\"" + std::string(text) + "\" is not HOST:PORT: " + std::string(why));
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Bad(text, "missing :PORT");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);

  unsigned port = 0;
  const char* const last = port_text.data() + port_text.size();
  const auto [end, ec] = std::from_chars(port_text.data(), last, port);
  if (port_text.empty() || ec != std::errc() || end != last || port > 65535) {
    return Bad(text, "port must be a number from 0 to 65535");
  }

  const bool opens = host.starts_with('[');
  const bool closes = host.ends_with(']');
  if (opens && closes && host.size() >= 2) {
    host = host.substr(1, host.size() - 2);
  } else if (opens || closes || host.find(':') != std::string_view::npos) {
    return Bad(text, "an IPv6 address must be in brackets, e.g. [::1]:8080");
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

Result<HostPort> ParseRemoteHostPort(std::string_view text) {
  PARLEY_ASSIGN_OR_RETURN(HostPort parsed, ParseHostPort(text));
  if (parsed.host.empty()) return Bad(text, "missing HOST");
  if (parsed.port == 0) return Bad(text, "port must be a number from 1 to 65535");
  return parsed;
}

std::string FormatHostPort(std::string_view host, std::uint16_t port) {
  std::string text;
  if (host.find(':') != std::string_view::npos) {
    text.append("[").append(host).append("]");
  } else {
    text.append(host);
  }
  return text + ":" + std::to_string(port);
}

}  // namespace parley::base
