// The binary TCP transport of the load generator: frames via protocol/frame_codec.
#include <netinet/in.h>

#include <boost/asio/ip/tcp.hpp>

#include <charconv>

#include "tools/bench/conn.h"
#include "tools/bench/framed_conn.h"

namespace parley::bench {
namespace asio = boost::asio;
using asio::ip::tcp;

std::int64_t FindInt(std::string_view body, std::string_view key, std::int64_t fallback) {
  std::string pattern = "\"";
  pattern += key;
  pattern += "\":";
  const std::size_t at = body.find(pattern);
  if (at == std::string_view::npos) return fallback;
  std::int64_t v = fallback;
  const char* p = body.data() + at + pattern.size();
  std::from_chars(p, body.data() + body.size(), v);
  return v;
}

std::string_view FindString(std::string_view body, std::string_view key) {
  std::string pattern = "\"";
  pattern += key;
  pattern += "\":\"";
  const std::size_t at = body.find(pattern);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + pattern.size();
  const std::size_t end = body.find('"', begin);
  if (end == std::string_view::npos) return {};
  return body.substr(begin, end - begin);
}

// Binds the source address without reserving a port until connect
// (IP_BIND_ADDRESS_NO_PORT), so 4-tuples, not bind ports, are the limit.
void OpenBound(tcp::socket& socket, const Target& target) {
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  if (ec) return;
  if (!target.source.is_unspecified()) {
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket.bind(tcp::endpoint(target.source, 0), ec);
  }
}

namespace {

class TcpConn final : public FramedConn<tcp::socket> {
 public:
  TcpConn(asio::io_context& io, const Target& target) : FramedConn(io), target_(target) {}

  void Start(OpenHandler on_open) override {
    OpenBound(stream_, target_);
    const tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
    stream_.async_connect(server, [this, on_open = std::move(on_open)](auto ec) {
      if (ec) {
        on_open(false);
        return;
      }
      stream_.set_option(tcp::no_delay(true), ec);
      on_open(true);
      Read();
    });
  }

  void Close() override {
    boost::system::error_code ec;
    stream_.close(ec);
  }

 private:
  Target target_;
};

}  // namespace

std::unique_ptr<Conn> MakeTcpConn(asio::io_context& io, const Target& target) {
  return std::make_unique<TcpConn>(io, target);
}

}  // namespace parley::bench
