#pragma once
// The parts of a WebSocket upgrade request that decide whether it is let in
// (docs/protocol.md "WebSocket"): the protocol version, credentials and the
// browser's Origin.
// Pure functions, any thread.

#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

struct UpgradeCredentials {
  std::string token;            // from "Authorization: Bearer" or ?token=
  std::string insecure_user_id; // from ?user_id= (accepted only with --auth=insecure)

  bool empty() const { return token.empty() && insecure_user_id.empty(); }
};

// `target` is the request target ("/ws?token=..."); `authorization` the
// Authorization header or "". The header wins over ?token=. Query values are
// percent-decoded. A malformed target yields empty credentials (the client
// then has to LOGIN, which it will fail to do if it meant to pass a token).
UpgradeCredentials ParseUpgradeCredentials(std::string_view target, std::string_view authorization);

// True when `origin` may open a WebSocket: the list is empty (any origin), the
// request has no Origin header (not a browser), or it matches an entry
// exactly, ignoring ASCII case.
bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed_origins);

// True when the Sec-WebSocket-Version header names the version we speak,
// 13 (RFC 6455 4.2.1); otherwise the answer is 426 with
// "Sec-WebSocket-Version: 13" (4.2.2), never a 101.
bool WebSocketVersionSupported(std::string_view version_header);

// The path of a request target without its query ("/ws?x=1" -> "/ws").
std::string_view TargetPath(std::string_view target);

}  // namespace parley::net
