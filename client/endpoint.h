#pragma once
// A server address as the command line spells it: "host:port".

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::client {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;

  std::string ToString() const;  // "host:port", "[::1]:port"
};

// Parses "host:port" or "[v6]:port" (base::ParseRemoteHostPort: the host and
// a port 1-65535 are required). Errors: 400.
base::Result<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace parley::client
