#pragma once
// net::Server: the two gateways of a parleyd process — binary TCP
// (tcp_connection.h) and HTTP + WebSocket (ws_http_session.h) — over the
// app's I/O threads, and the optional metrics listener
// (NetOptions::metrics_listen).
//
// Shutdown, in order (docs/design.md "Shutdown"):
//   server.StopAccepting();        // no new connections
//   server.CloseAll();             // each connection: no new request; the one
//                                  // in progress finishes and its reply is sent;
//                                  // the queue is flushed; then a going-away close
//   server.WaitIdle(timeout);      // from a non-I/O thread, while the
//                                  // io_contexts still run
//   ... flush the store, stop the io_contexts, join their threads ...
//   ~Server                        // after the io_contexts stopped
// A connection that does not finish closing within NetOptions::close_timeout
// is aborted, so WaitIdle(close_timeout + a margin) normally returns true.
//
// Threads: construct and Start on the app's main thread (Start may run
// before or after the io_contexts are started); StopAccepting, CloseAll and
// open_connections are safe from any thread; WaitIdle blocks and must not be
// called on an I/O thread. Each io_context must be run by exactly one thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/metrics.h"
#include "core/admin_api.h"
#include "core/auth_service.h"
#include "core/dispatcher.h"
#include "core/media_service.h"
#include "net/options.h"

namespace parley::net {

class Listener;
class TlsContext;
struct ServerContext;

struct BoundEndpoints {
  boost::asio::ip::tcp::endpoint tcp;
  boost::asio::ip::tcp::endpoint ws;
  std::optional<boost::asio::ip::tcp::endpoint> metrics{};  // with NetOptions::metrics_listen
};

class Server {
 public:
  // `io_contexts`: one per I/O thread, owned by the app, at least one.
  // `healthy` answers GET /healthz (empty = always healthy). Throws
  // std::runtime_error when the TLS files of `options` cannot be loaded.
  Server(std::vector<boost::asio::io_context*> io_contexts, core::Dispatcher& dispatcher,
         core::AuthService& auth, base::Metrics& metrics, std::function<bool()> healthy,
         NetOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners and starts accepting. Prints one line per listener
  // to stdout, flushed: "listening tcp ADDR:PORT", then "listening ws
  // ADDR:PORT", then (with metrics_listen) "listening metrics ADDR:PORT",
  // with the bound port. Throws std::runtime_error, e.g. "cannot listen tcp
  // on 0.0.0.0:8090: Address already in use".
  BoundEndpoints Start();

  // Serves /api/media with `media` (docs/protocol.md "Media"). Before Start.
  void SetMedia(core::MediaService* media);
  // Serves /api/admin/ with `admin` (docs/protocol.md "Server API"). Before Start.
  void SetAdmin(core::AdminApi* admin);

  // Closes the listeners; open connections are untouched.
  void StopAccepting();

  // Closes every connection, now and any that races with it, as described
  // above. Returns at once.
  void CloseAll(std::string reason = "server shutting down");

  // Blocks until no connection is left (true) or `timeout` passed (false).
  bool WaitIdle(std::chrono::milliseconds timeout);

  // TCP, WebSocket and plain HTTP connections currently open.
  std::size_t open_connections() const;
  // Connections refused by --max-connections-per-ip so far.
  std::uint64_t refused_per_address() const;

  // Reads the TLS certificate and key again (tls_context.h): new
  // connections get the new ones, open ones stay. On error (the files are
  // bad) the current ones stay. Without TLS: nothing to do. Any thread.
  base::Result<void> ReloadTls();

 private:
  std::unique_ptr<TlsContext> tls_;  // before context_, which points to it
  std::unique_ptr<ServerContext> context_;
  std::shared_ptr<Listener> tcp_listener_;
  std::shared_ptr<Listener> ws_listener_;
  std::shared_ptr<Listener> metrics_listener_;  // null without metrics_listen
};

}  // namespace parley::net
