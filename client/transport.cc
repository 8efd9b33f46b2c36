#include "client/tcp_transport.h"
#include "client/transport.h"
#include "client/ws_transport.h"

namespace parley::client {

std::unique_ptr<Transport> MakeTransport(TransportKind kind, asio::any_io_executor executor,
                                         std::uint32_t max_frame) {
  if (kind == TransportKind::kWebSocket) return MakeWsTransport(std::move(executor), max_frame);
  return std::make_unique<TcpTransport>(std::move(executor), max_frame);
}

}  // namespace parley::client
