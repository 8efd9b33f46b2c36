#include "integration/harness/raw_ws_client.h"

namespace parley::testing {

RawWsClient::RawWsClient(std::uint16_t port, std::string_view target_or_request)
    : socket_(port) {
  std::string request(target_or_request);
  if (target_or_request.starts_with("/")) {
    request = "GET " + request +
              " HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }
  if (!SendBytes(request)) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline)) return;
  }
  head_ = in_.substr(0, end + 4);
  in_.erase(0, end + 4);
}

std::string RawWsClient::Frame(std::uint8_t opcode, std::string_view payload, Flags flags) {
  std::string f;
  f += static_cast<char>((flags.fin ? 0x80 : 0) | ((flags.rsv & 7) << 4) | (opcode & 0x0F));
  const int mask_bit = flags.masked ? 0x80 : 0;
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(mask_bit | static_cast<int>(n));
  } else if (n <= 0xFFFF) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xFF);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      f += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (flags.masked) f.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) {
    f += flags.masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  }
  return f;
}

bool RawWsClient::Fill(std::chrono::steady_clock::time_point deadline) {
  char buf[65536];
  const std::size_t n = socket_.ReceiveSome(buf, deadline);
  in_.append(buf, n);
  return n > 0;
}

int RawWsClient::ServerFrame::close_code() const {
  if (opcode != 8 || payload.size() < 2) return -1;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

RawWsClient::ServerFrame RawWsClient::Read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (in_.size() >= 2) {
      const auto b0 = static_cast<unsigned char>(in_[0]);
      const auto b1 = static_cast<unsigned char>(in_[1]);
      const std::size_t len7 = b1 & 0x7F;
      const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
      const std::size_t mask = (b1 & 0x80) ? 4 : 0;
      if (in_.size() >= 2 + ext) {
        std::uint64_t n = len7;
        if (ext != 0) {
          n = 0;
          for (std::size_t i = 0; i < ext; ++i)
            n = (n << 8) | static_cast<unsigned char>(in_[2 + i]);
        }
        const std::size_t header = 2 + ext + mask;
        if (in_.size() >= header + n) {
          ServerFrame f{b0 & 0x0F, (b0 & 0x80) != 0, mask != 0, in_.substr(header, n)};
          in_.erase(0, header + n);
          return f;
        }
      }
    }
    if (!Fill(deadline)) return {};
  }
}

bool RawWsClient::WaitClosed(std::chrono::milliseconds timeout) {
  return socket_.WaitClosed(std::chrono::steady_clock::now() + timeout);
}

}  // namespace parley::testing
