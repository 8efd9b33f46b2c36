#include "net/server.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <stdexcept>

#include "net/deadline_sweeper.h"
#include "net/endpoint.h"
#include "net/listener.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"
#include "net/server_context.h"
#include "net/tcp_connection.h"
#include "net/tls_context.h"
#include "net/ws_http_session.h"

namespace parley::net {
namespace {

constexpr std::string_view kAtCapacity = "server at its connection limit; retry later";

// What a connection refused by a listener gets (listener.h): an error packet
// on TCP, an HTTP answer on the HTTP + WebSocket port.
std::string TcpRefusal() {
  return protocol::EncodeFrame(
      0, protocol::ErrorResponse(
             0, base::MakeError(base::Code::kUnavailable, std::string(kAtCapacity)), nullptr));
}

std::string HttpRefusal() {
  const std::string body = protocol::ErrorResponse(
      0, base::MakeError(base::Code::kUnavailable, std::string(kAtCapacity)), nullptr);
  return "HTTP/1.1 503 Service Unavailable\r\nServer: parley\r\n"
         "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

void Server::SetMedia(core::MediaService* media) { context_->media = media; }

void Server::SetAdmin(core::AdminApi* admin) { context_->admin = admin; }

Server::Server(std::vector<asio::io_context*> io_contexts, core::Dispatcher& dispatcher,
               core::AuthService& auth, base::Metrics& metrics, std::function<bool()> healthy,
               NetOptions options) {
  if (io_contexts.empty()) throw std::invalid_argument("net::Server needs an io_context");
  context_.reset(new ServerContext{dispatcher,
                                   auth,
                                   metrics,
                                   std::move(healthy),
                                   std::move(options),
                                   std::move(io_contexts),
                                   {},
                                   {},
                                   {},
                                   {},
                                   nullptr});
  if (!context_->options.tls_cert_file.empty() || !context_->options.tls_key_file.empty()) {
    tls_ = std::make_unique<TlsContext>(
        TlsFiles{context_->options.tls_cert_file, context_->options.tls_key_file});
    context_->tls = tls_.get();
  }
  for (asio::io_context* io : context_->io_contexts) {
    context_->sweepers.push_back(std::make_unique<DeadlineSweeper>(*io, context_->options));
    context_->wake_batchers.push_back(std::make_unique<WakeBatcher>(*io));
  }
}

Server::~Server() = default;

BoundEndpoints Server::Start() {
  // The acceptors live on the first I/O thread; accepted sockets are spread
  // over all of them. Bind all before accepting on any, so that a failure
  // leaves nothing half-started.
  const auto executor = context_->io_contexts.front()->get_executor();
  const NetOptions& options = context_->options;
  tcp_listener_ = std::make_shared<Listener>("tcp", options.tcp_listen, executor, *context_,
                                             StartTcpConnection, TcpRefusal());
  ws_listener_ = std::make_shared<Listener>("ws", options.ws_listen, executor, *context_,
                                            StartHttpSession, HttpRefusal());
  if (!options.metrics_listen.empty()) {
    metrics_listener_ = std::make_shared<Listener>("metrics", options.metrics_listen, executor,
                                                   *context_, StartMetricsSession, HttpRefusal());
  }
  BoundEndpoints bound{tcp_listener_->local_endpoint(), ws_listener_->local_endpoint()};
  if (metrics_listener_) bound.metrics = metrics_listener_->local_endpoint();
  // Scripts and tests parse these lines: keep the format.
  std::cout << "listening tcp " << FormatEndpoint(bound.tcp) << '\n'
            << "listening ws " << FormatEndpoint(bound.ws) << '\n';
  if (bound.metrics) std::cout << "listening metrics " << FormatEndpoint(*bound.metrics) << '\n';
  std::cout << std::flush;
  tcp_listener_->StartAccepting();
  ws_listener_->StartAccepting();
  if (metrics_listener_) metrics_listener_->StartAccepting();
  return bound;
}

void Server::StopAccepting() {
  if (tcp_listener_) tcp_listener_->Stop();
  if (ws_listener_) ws_listener_->Stop();
  if (metrics_listener_) metrics_listener_->Stop();
}

void Server::CloseAll(std::string reason) {
  spdlog::info("closing {} connections: {}", context_->registry.size(), reason);
  context_->registry.CloseAll(reason);
}

bool Server::WaitIdle(std::chrono::milliseconds timeout) {
  return context_->registry.WaitEmpty(timeout);
}

std::size_t Server::open_connections() const { return context_->registry.size(); }

std::uint64_t Server::refused_per_address() const {
  return context_->refused_per_address.load(std::memory_order_relaxed);
}

base::Result<void> Server::ReloadTls() {
  if (!tls_) return {};
  return tls_->Reload();
}

}  // namespace parley::net
