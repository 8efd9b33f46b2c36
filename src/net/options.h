#pragma once
// Options of the network layer (docs/protocol.md "Command line", docs/design.md "Runtime model").
// Plain data: filled by app/ from flags, read-only once the Server exists.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::net {

// Where GET / finds its files (static_files.h).
struct WebRoot {
  // The directory served at "/". Empty = a small built-in page saying that
  // Parley is running.
  std::string dir;
  // What every file served must lie under once its symlinks are resolved.
  // Empty = `dir` itself (--web-root): a symlink in it may point elsewhere
  // in it, never out. Wider only for this source tree's own web/app, whose
  // sdk symlink points to ../sdk/src (app/config.cc).
  std::string boundary = {};
};

struct NetOptions {
  std::string tcp_listen = "0.0.0.0:8090";  // binary TCP gateway, "ADDR:PORT"
  std::string ws_listen = "0.0.0.0:8080";   // HTTP + WebSocket gateway, "ADDR:PORT"
  // A plain-HTTP listener of its own for GET /metrics and /healthz
  // (--metrics-listen, "ADDR:PORT"); the public port then answers 404 for
  // /metrics. Empty: /metrics is served on ws_listen.
  std::string metrics_listen;
  // PEM files; both set: the TCP gateway speaks TLS (tls_context.h).
  std::string tls_cert_file;
  std::string tls_key_file;

  // Largest TCP frame (Length field) and largest WebSocket message.
  std::uint32_t max_frame = 64 * 1024;

  // A connection that receives nothing for this long is closed.
  std::chrono::seconds idle_timeout{90};
  // A connection that has not authenticated this long after it opened is
  // closed, whatever it sends meanwhile (docs/protocol.md "Delivery"): a
  // peer that never logs in must not hold a descriptor for the whole idle
  // timeout, or heartbeat forever.
  std::chrono::milliseconds auth_timeout{10'000};
  // A write that makes no progress for this long aborts the connection.
  std::chrono::seconds write_timeout{30};
  // How long a closing connection may take to finish its in-flight request,
  // flush its queue and complete the close handshake before it is aborted.
  std::chrono::seconds close_timeout{10};
  // Read timeout for one HTTP request (headers and body) on the HTTP port.
  std::chrono::seconds http_read_timeout{30};

  // Open connections (TCP, WebSocket and plain HTTP) at which new ones are
  // refused at once (listener.h); 0 = no limit. app/ sets it to the
  // open-file limit minus the descriptors the process needs for itself.
  std::size_t max_connections = 0;
  // Open connections from one client address at which its new ones are
  // refused at once; 0 = no limit (--max-connections-per-ip).
  std::size_t max_connections_per_ip = 0;

  // Per-connection outbound queue bounds; whichever is hit first makes the
  // connection a slow consumer, which is disconnected.
  std::size_t outbound_queue_packets = 4096;
  // CHATs of one TCP connection handled at once (pipelining), when the store
  // keeps their order (core::Dispatcher::ChatsMayOverlap); 1 = one request
  // at a time. Any other command waits until the connection has none in
  // flight, and nothing starts while it runs.
  std::size_t max_chats_in_flight = 64;
  std::size_t outbound_queue_bytes = 8 * 1024 * 1024;

  // Accepted values of the Origin header of a WebSocket upgrade, e.g.
  // "https://chat.example.com". Empty = any origin (and requests without an
  // Origin header, i.e. non-browser clients, are always accepted).
  std::vector<std::string> allowed_origins;

  // Static files served at GET / (the browser client; static_files.h).
  WebRoot web_root;
};

}  // namespace parley::net
