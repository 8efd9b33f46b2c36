#pragma once
// A blocking test client speaking raw bytes: TCP frames, HTTP/1.1 and
// hand-made WebSocket frames, so the tests need no Beast of their own.
// Every read gives up after 5 s instead of hanging the test.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>

#include "protocol/frame_codec.h"

namespace parley::net::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

class TestPeer {
 public:
  explicit TestPeer(const tcp::endpoint& endpoint) : socket_(io_) { socket_.connect(endpoint); }

  void Write(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Up to `n` more bytes; "" at EOF or on a timeout.
  std::string ReadSome(std::size_t n = 65536) {
    std::string buffer(n, '\0');
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(buffer),
                            [&](boost::system::error_code, std::size_t size) { got = size; });
    RunWithDeadline();
    buffer.resize(got);
    return buffer;
  }

  // Exactly `n` bytes (fewer at EOF).
  std::string ReadExactly(std::size_t n) {
    std::string buffer(n, '\0');
    std::size_t got = 0;
    asio::async_read(socket_, asio::buffer(buffer),
                     [&](boost::system::error_code, std::size_t size) { got = size; });
    RunWithDeadline();
    buffer.resize(got);
    return buffer;
  }

  bool AtEof() { return ReadSome().empty(); }
  void Close() { socket_.close(); }

  // --- TCP frames
  void SendFrame(std::uint16_t cmd, std::string_view body) {
    Write(protocol::EncodeFrame(cmd, body));
  }
  // The next frame; nullopt at EOF, on a timeout or on a framing error.
  std::optional<protocol::Frame> ReadFrame() {
    for (;;) {
      auto frame = decoder_.Next();
      if (!frame) return std::nullopt;
      if (*frame) return std::move(**frame);
      std::string more = ReadSome();
      if (more.empty()) return std::nullopt;
      decoder_.Feed(more);
    }
  }

  // --- HTTP: one request on a fresh connection; the whole response.
  std::string Http(std::string_view request) {
    Write(request);
    std::string response;
    for (std::string more = ReadSome(); !more.empty(); more = ReadSome()) response += more;
    return response;
  }

  // --- WebSocket (client frames are masked, RFC 6455 5.3)
  void SendWs(std::string_view payload, std::uint8_t opcode = 0x1) {
    std::string frame;
    frame += static_cast<char>(0x80 | opcode);
    if (payload.size() < 126) {
      frame += static_cast<char>(0x80 | payload.size());
    } else {
      frame += static_cast<char>(0x80 | 126);
      frame += static_cast<char>(payload.size() >> 8);
      frame += static_cast<char>(payload.size() & 0xff);
    }
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
    Write(frame);
  }
  struct WsFrame {
    int opcode = -1;  // -1: none (EOF or timeout)
    std::string payload;
  };
  WsFrame ReadWs() {
    const std::string head = ReadExactly(2);
    if (head.size() < 2) return {};
    std::size_t size = static_cast<unsigned char>(head[1]) & 0x7f;
    if (size == 126) {
      const std::string ext = ReadExactly(2);
      size = (static_cast<unsigned char>(ext[0]) << 8) | static_cast<unsigned char>(ext[1]);
    }
    return {static_cast<unsigned char>(head[0]) & 0x0f, ReadExactly(size)};
  }

 private:
  void RunWithDeadline() {
    io_.restart();
    io_.run_for(std::chrono::seconds(5));
    if (!io_.stopped()) {
      socket_.cancel();  // timed out: complete the read with what it has
      io_.restart();
      io_.run();
    }
  }

  asio::io_context io_;
  tcp::socket socket_;
  protocol::FrameDecoder decoder_{1 << 20};
};

// The status code of a close frame's payload; -1 when it carries none.
inline int CloseCodeOf(const TestPeer::WsFrame& frame) {
  if (frame.payload.size() < 2) return -1;
  return (static_cast<unsigned char>(frame.payload[0]) << 8) |
         static_cast<unsigned char>(frame.payload[1]);
}

}  // namespace parley::net::testing
