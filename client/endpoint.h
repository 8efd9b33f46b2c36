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

  std::string ToString() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port" (the port is required, 1-65535). Errors: 400.
base::Result<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace parley::client
