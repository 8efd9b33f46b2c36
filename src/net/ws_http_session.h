#pragma once
// The HTTP + WebSocket gateway's connections (docs/protocol.md "WebSocket"). The only
// translation unit that instantiates Beast (its HTTP parser and serializer),
// to keep builds fast.
//
// An accepted socket starts as an HTTP session (keep-alive; routes in
// http_router.h). With ServerContext::tls it speaks TLS only: the handshake
// comes first, within NetOptions::auth_timeout; a failed one (a plain-text
// client: "wrong version number") or one not finished in time is counted
// in tls_handshake_failures_total, logged, and the socket closed.
// A GET /ws with "Upgrade: websocket" becomes a WsConnection
// (ws_connection.h) on the same socket, TLS session and thread:
//   - Host, Sec-WebSocket-Key missing or bad: 400; Sec-WebSocket-Version not
//     13: 426 naming 13 (RFC 6455 4.2).
//   - Origin not in NetOptions::allowed_origins (when that is non-empty): 403.
//   - credentials (Authorization: Bearer, ?token=, ?user_id=) present:
//     Dispatcher::AuthenticateUpgrade; refused: 401 with a JSON error.
//   - no credentials: accepted; the client's first frame must be LOGIN.
// Each text message is one request; each reply or push is one text message.
// A binary message is answered with an error packet (cmd 0, code 400) and the
// connection goes on: a wrong frame type is bad input, not a broken stream.
// Close: code 1001 (going away) with the reason, e.g. "server shutting down".
//
// Threads: call on the socket's executor (the I/O thread it was accepted for).

#include <boost/asio/ip/tcp.hpp>

#include "net/server_context.h"

namespace parley::net {

void StartHttpSession(asio::ip::tcp::socket socket, ServerContext& context);

// A connection to the metrics listener (NetOptions::metrics_listen): the
// same keep-alive HTTP session, serving only RouteMetricsHttp (GET /metrics,
// GET /healthz). Always plain text, even with ServerContext::tls: the
// listener is meant for a private address that only the scraper reaches.
void StartMetricsSession(asio::ip::tcp::socket socket, ServerContext& context);

}  // namespace parley::net
