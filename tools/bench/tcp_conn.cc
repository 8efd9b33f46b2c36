// The binary TCP transport of the load generator: frames via protocol/frame_codec.
#include <netinet/in.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <charconv>

#include "protocol/frame_codec.h"
#include "tools/bench/conn.h"

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

constexpr std::uint32_t kMaxInboundFrame = 16u << 20;

class TcpConn final : public Conn {
 public:
  // A SYNC page of 500 messages is larger than the server's request limit
  // (--max-frame bounds what the server reads, not what it writes).
  TcpConn(asio::io_context& io, const Target& target)
      : socket_(io), target_(target), decoder_(kMaxInboundFrame) {}

  void Start(OpenHandler on_open) override {
    OpenBound(socket_, target_);
    const tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
    socket_.async_connect(server, [this, on_open = std::move(on_open)](auto ec) {
      if (ec) {
        on_open(false);
        return;
      }
      socket_.set_option(tcp::no_delay(true), ec);
      on_open(true);
      Read();
    });
  }

  void Send(std::uint16_t cmd, std::string_view body) override {
    const protocol::FrameHeaderBytes h = protocol::EncodeFrameHeader(cmd, body.size());
    pending_.append(h.data(), h.size());
    pending_.append(body);
    if (!writing_) Flush();
  }

  void Close() override {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void Read() {
    // Room for a whole batch of pushes (a fan-out writes ~20 at once) in one read.
    std::span<char> space = decoder_.WritableSpace(16384);
    socket_.async_read_some(asio::buffer(space.data(), space.size()), [this](auto ec, std::size_t n) {
      if (ec) {
        Closed();
        return;
      }
      decoder_.Commit(n);
      for (;;) {
        auto next = decoder_.Next();
        if (!next) {
          Closed();
          return;
        }
        if (!*next) break;
        if (on_packet_) on_packet_((*next)->cmd, (*next)->body);
      }
      Read();
    });
  }

  // Everything queued since the last write goes out in one write.
  void Flush() {
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(in_flight_), [this](auto ec, std::size_t) {
      writing_ = false;
      if (ec) return;  // the read side reports the close
      if (!pending_.empty()) Flush();
    });
  }

  void Closed() {
    if (closed_) return;
    closed_ = true;
    if (on_closed_) on_closed_();
  }

  tcp::socket socket_;
  Target target_;
  protocol::FrameDecoder decoder_;
  std::string pending_;
  std::string in_flight_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Conn> MakeTcpConn(asio::io_context& io, const Target& target) {
  return std::make_unique<TcpConn>(io, target);
}

}  // namespace parley::bench
