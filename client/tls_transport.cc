#include "client/tls_transport.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/net_error.h"
#include "client/tls_client.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"

namespace parley::client {
namespace {

namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

class TlsTcpTransport final : public Transport {
 public:
  TlsTcpTransport(asio::any_io_executor executor, std::uint32_t max_frame, TlsOptions tls)
      : tls_(std::move(tls)),
        context_(ssl::context::tls_client),
        stream_(std::move(executor), context_),
        decoder_(max_frame) {}

  asio::awaitable<base::Result<void>> Connect(const Endpoint& server) override {
    auto configured = ConfigureClientContext(context_.native_handle(), tls_);
    if (configured) configured = ExpectServer(stream_.native_handle(), server.host);
    if (!configured) co_return configured.error();
    tcp::resolver resolver(stream_.get_executor());
    std::string port = std::to_string(server.port);
    auto [rec, results] = co_await resolver.async_resolve(server.host, port, kNoThrow);
    if (rec) co_return NetError("resolve " + server.host, rec);
    auto [cec, endpoint] = co_await asio::async_connect(stream_.lowest_layer(), results, kNoThrow);
    if (cec) co_return NetError("connect " + server.ToString(), cec);
    stream_.lowest_layer().set_option(tcp::no_delay(true));
    auto [hec] = co_await stream_.async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) co_return NetError("tls handshake with " + server.ToString(), hec);
    co_return base::Result<void>{};
  }

  asio::awaitable<base::Result<Inbound>> Read() override {
    for (;;) {
      auto next = decoder_.Next();
      if (!next) co_return next.error();
      if (*next) {
        auto body = protocol::ParseObject((*next)->body);
        if (!body) continue;
        co_return Inbound{(*next)->cmd, std::move(*body)};
      }
      auto space = decoder_.WritableSpace();
      auto [ec, n] =
          co_await stream_.async_read_some(asio::buffer(space.data(), space.size()), kNoThrow);
      if (ec) co_return NetError("read", ec);
      decoder_.Commit(n);
    }
  }

  asio::awaitable<base::Result<void>> Write(std::uint16_t cmd, std::string body) override {
    protocol::FrameHeaderBytes header = protocol::EncodeFrameHeader(cmd, body.size());
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(body)};
    auto [ec, n] = co_await asio::async_write(stream_, buffers, kNoThrow);
    if (ec) co_return NetError("write", ec);
    co_return base::Result<void>{};
  }

  void Close() override {
    boost::system::error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
  }

 private:
  const TlsOptions tls_;
  ssl::context context_;  // before stream_, which uses it
  ssl::stream<tcp::socket> stream_;
  protocol::FrameDecoder decoder_;
};

}  // namespace

std::unique_ptr<Transport> MakeTlsTcpTransport(asio::any_io_executor executor,
                                               std::uint32_t max_frame, TlsOptions tls) {
  return std::make_unique<TlsTcpTransport>(std::move(executor), max_frame, std::move(tls));
}

}  // namespace parley::client
