#pragma once
// The HTTP account API on the WebSocket port (docs/protocol.md "HTTP"):
// POST /api/register and POST /api/login with {"user_id","password"},
// answered by {"user_id","token"}; over https with `tls` (a server with
// --tls-cert speaks nothing else on that port).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "client/endpoint.h"
#include "client/transport.h"

namespace parley::client {

enum class AuthAction { kRegister, kLogin };

struct AuthReply {
  std::string user_id;
  std::string token;
};

// Blocking: runs on its own io_context on the calling thread, bounded by
// `timeout` overall. Errors carry the HTTP status when it is a protocol code
// (409 id taken, 401 wrong password, 400, 429, ...) with the server's "error"
// text; 503 when the server cannot be reached; 500 for anything unexpected.
base::Result<AuthReply> HttpAuth(const Endpoint& http, const std::optional<TlsOptions>& tls,
                                 AuthAction action, std::string_view user_id,
                                 std::string_view password, std::chrono::milliseconds timeout);

}  // namespace parley::client
