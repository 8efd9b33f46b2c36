#pragma once
// Transport over WebSocket (docs/protocol.md "WebSocket"): ws://host:port/ws,
// or wss:// with `tls` (the server's certificate and name verified:
// tls_client.h), one JSON object per text frame. Implemented in web_io.cc,
// the one translation unit that compiles Beast, so this header names no
// Beast type.

#include <memory>

#include "client/transport.h"

namespace parley::client {

std::unique_ptr<Transport> MakeWsTransport(asio::any_io_executor executor, std::uint32_t max_frame,
                                           const std::optional<TlsOptions>& tls);

}  // namespace parley::client
