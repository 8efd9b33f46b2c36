#pragma once
// "HOST:PORT" as flags and command lines spell an address, parsed in one
// place for the server's listen flags (net/endpoint.h), its --redis flag
// (app/node.cc) and the client's --server (client/endpoint.h).
// Pure functions, any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::base {

struct HostPort {
  std::string host;  // without brackets ("::1" for "[::1]:80"); may be empty
  std::uint16_t port = 0;
};

// Parses "HOST:PORT": the port is the decimal number after the last ':'
// (0-65535); an IPv6 host is in brackets ("[::1]:6379"), so that its own
// colons are not mistaken for the separator; HOST may be empty (":8080").
// Nothing is resolved. Error 400 whose message quotes `text` and names the
// bad part ("missing :PORT", "port must be ...", "... in brackets").
Result<HostPort> ParseHostPort(std::string_view text);

// ParseHostPort for an address to connect to: HOST must be present and the
// port 1-65535.
Result<HostPort> ParseRemoteHostPort(std::string_view text);

// The inverse: "example.com:80", "[::1]:80" (brackets when `host` has a ':').
std::string FormatHostPort(std::string_view host, std::uint16_t port);

}  // namespace parley::base
