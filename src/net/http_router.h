#pragma once
// The plain HTTP routes of the WebSocket port (docs/protocol.md "HTTP"), apart
// from Beast so that the routing reads as a table:
//
//   POST /api/register   core::HandleRegister   application/json
//   POST /api/login      core::HandleLogin      application/json
//   GET  /healthz        200 "ok" / 503 "unhealthy"
//   GET  /metrics        Prometheus text; 404 with --metrics-listen
//   /api/media[/<id>]    streamed by media_transfer.h, never routed here
//   GET  /, /<file>      static files (static_files.h)
//   GET  /ws             426: only with "Upgrade: websocket" (handled before)
//   known path, other method: 405 with Allow; anything else: 404.
//
// The metrics listener (--metrics-listen) has a table of its own,
// RouteMetricsHttp: GET /metrics and GET /healthz, anything else 404.
//
// Threads: runs on the HTTP connection's executor.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "net/server_context.h"

namespace parley::net {

struct HttpAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string allow;  // the Allow header of a 405, else empty
  std::int64_t retry_after_ms = 0;  // a 429's wait: Retry-After (seconds, rounded up)
  std::string content_range = {};   // a 416's Content-Range, else empty
};

// `client_ip`: the peer's address without port (rate limits).
// `authorization`: the request's Authorization header ("" when absent).
asio::awaitable<HttpAnswer> RouteHttp(ServerContext& context, std::string_view method,
                                      std::string_view target, std::string body,
                                      std::string_view client_ip, std::string_view authorization);

// The routes of the metrics listener (NetOptions::metrics_listen).
HttpAnswer RouteMetricsHttp(ServerContext& context, std::string_view method,
                            std::string_view target);

// A JSON error body {"code": status, "error": message}, like core's HTTP API.
HttpAnswer JsonError(int status, std::string_view message);

}  // namespace parley::net
