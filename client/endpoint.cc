#include "client/endpoint.h"

#include "base/host_port.h"

namespace parley::client {

std::string Endpoint::ToString() const { return base::FormatHostPort(host, port); }

base::Result<Endpoint> ParseEndpoint(std::string_view text) {
  PARLEY_ASSIGN_OR_RETURN(base::HostPort parsed, base::ParseRemoteHostPort(text));
  return Endpoint{std::move(parsed.host), parsed.port};
}

}  // namespace parley::client
