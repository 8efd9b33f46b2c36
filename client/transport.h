#pragma once
// How the client moves packets: one connection to the server, TCP frames or
// WebSocket text frames. The Client owns exactly one Transport per connection
// attempt and never reuses it after an error.
//
// Thread contract: every method runs on the executor the transport was made
// with. At most one Read and one Write may be outstanding at a time (the
// Client's reader and writer loops guarantee it).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "client/endpoint.h"

namespace parley::client {

namespace asio = boost::asio;

enum class TransportKind { kTcp, kWebSocket };

// TLS on the connection (docs/protocol.md "TLS"), TCP or WebSocket (wss://):
// the server's certificate is verified against `ca_file` (PEM; empty: the
// system's trust store) and must name the host the client connects to.
struct TlsOptions {
  std::string ca_file;
};

// A packet from the server. `cmd` is the TCP header's Cmd, or the body's
// "cmd" on WebSocket (kUnknownCmd when missing: such notices are ignored).
struct Inbound {
  static constexpr std::uint16_t kUnknownCmd = 0xFFFF;
  std::uint16_t cmd = kUnknownCmd;
  boost::json::object body;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Opens the connection (for WebSocket: TCP connect + upgrade on /ws).
  // Errors: 503 with the network error's text.
  virtual asio::awaitable<base::Result<void>> Connect(const Endpoint& server) = 0;

  // The next packet. Bodies that are not JSON objects are skipped (a server
  // bug must not cost the connection). Errors: 503 when the connection broke,
  // 400/413 for a broken TCP frame stream.
  virtual asio::awaitable<base::Result<Inbound>> Read() = 0;

  // Sends one packet; `body` is the JSON text and already carries "cmd".
  virtual asio::awaitable<base::Result<void>> Write(std::uint16_t cmd, std::string body) = 0;

  // Aborts the connection; outstanding Read/Write complete with an error.
  virtual void Close() = 0;
};

// `tls`: absent, plain text.
std::unique_ptr<Transport> MakeTransport(TransportKind kind, asio::any_io_executor executor,
                                         std::uint32_t max_frame,
                                         const std::optional<TlsOptions>& tls = std::nullopt);

}  // namespace parley::client
