#include "client/tcp_transport.h"
#include "client/tls_transport.h"
#include "client/transport.h"
#include "client/ws_transport.h"

namespace parley::client {
namespace {

// What MakeTransport gives for a combination it cannot serve: every call
// fails, so the Client reports it like any connection failure.
class UnsupportedTransport final : public Transport {
 public:
  explicit UnsupportedTransport(std::string why) : why_(std::move(why)) {}
  asio::awaitable<base::Result<void>> Connect(const Endpoint&) override { co_return Refusal(); }
  asio::awaitable<base::Result<Inbound>> Read() override { co_return Refusal(); }
  asio::awaitable<base::Result<void>> Write(std::uint16_t, std::string) override {
    co_return Refusal();
  }
  void Close() override {}

 private:
  base::Error Refusal() const { return base::MakeError(base::Code::kBadRequest, why_); }
  const std::string why_;
};

}  // namespace

std::unique_ptr<Transport> MakeTransport(TransportKind kind, asio::any_io_executor executor,
                                         std::uint32_t max_frame,
                                         const std::optional<TlsOptions>& tls) {
  if (tls) {
    if (kind == TransportKind::kWebSocket) {
      return std::make_unique<UnsupportedTransport>(
          "TLS over WebSocket is not supported yet: use TCP");
    }
    return MakeTlsTcpTransport(std::move(executor), max_frame, *tls);
  }
  if (kind == TransportKind::kWebSocket) return MakeWsTransport(std::move(executor), max_frame);
  return std::make_unique<TcpTransport>(std::move(executor), max_frame);
}

}  // namespace parley::client
