#include "client/tcp_transport.h"
#include "client/tls_transport.h"
#include "client/transport.h"
#include "client/ws_transport.h"

namespace parley::client {

std::unique_ptr<Transport> MakeTransport(TransportKind kind, asio::any_io_executor executor,
                                         std::uint32_t max_frame,
                                         const std::optional<TlsOptions>& tls) {
  if (kind == TransportKind::kWebSocket) return MakeWsTransport(std::move(executor), max_frame, tls);
  if (tls) return MakeTlsTcpTransport(std::move(executor), max_frame, *tls);
  return std::make_unique<TcpTransport>(std::move(executor), max_frame);
}

}  // namespace parley::client
