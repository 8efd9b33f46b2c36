#pragma once
// Transport over the binary TCP protocol (docs/protocol.md "TCP"): each packet is one
// frame built and parsed by protocol/frame_codec.

#include <boost/asio/ip/tcp.hpp>

#include "client/transport.h"
#include "protocol/frame_codec.h"

namespace parley::client {

class TcpTransport final : public Transport {
 public:
  TcpTransport(asio::any_io_executor executor, std::uint32_t max_frame);

  asio::awaitable<base::Result<void>> Connect(const Endpoint& server) override;
  asio::awaitable<base::Result<Inbound>> Read() override;
  asio::awaitable<base::Result<void>> Write(std::uint16_t cmd, std::string body) override;
  void Close() override;

 private:
  asio::ip::tcp::socket socket_;
  protocol::FrameDecoder decoder_;
};

}  // namespace parley::client
