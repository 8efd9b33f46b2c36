#pragma once
// A deliberately dumb WebSocket peer for integration tests: blocking POSIX
// socket, hand-made frames (RFC 6455 5.2) with any flags, so that it can
// send what a real client never would: unmasked frames, reserved bits,
// fragments, control frames in the middle of a message.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "integration/harness/loopback_socket.h"

namespace parley::testing {

class RawWsClient {
 public:
  // Connects to 127.0.0.1:`port` and sends `request` (a whole HTTP request).
  // With only a target ("/ws?token=..."), sends a standard upgrade request.
  RawWsClient(std::uint16_t port, std::string_view target_or_request);

  // The head of the server's HTTP answer ("HTTP/1.1 101 ..."), "" on failure.
  const std::string& response_head() const { return head_; }
  bool upgraded() const { return head_.starts_with("HTTP/1.1 101"); }

  // A client frame: masked (unless told otherwise), FIN as given.
  struct Flags {
    bool fin = true;
    bool masked = true;
    std::uint8_t rsv = 0;  // RSV1-3 as bits 2..0
  };
  static std::string Frame(std::uint8_t opcode, std::string_view payload, Flags flags);
  static std::string Frame(std::uint8_t opcode, std::string_view payload) {
    return Frame(opcode, payload, Flags{});
  }

  // False when the peer has closed the connection (or on error).
  bool SendBytes(std::string_view bytes) { return socket_.SendAll(bytes); }
  bool Send(std::uint8_t opcode, std::string_view payload) {
    return SendBytes(Frame(opcode, payload));
  }

  struct ServerFrame {
    int opcode = -1;  // -1: nothing (timeout, EOF or a malformed frame)
    bool fin = false;
    bool masked = false;  // a server must never mask
    std::string payload;
    // Close frames: the code, or -1 without one.
    int close_code() const;
  };
  ServerFrame Read(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True when the server closes the connection within `timeout` (reading and
  // discarding whatever it still sends).
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  // Appends what arrives within `timeout` to in_; false on timeout/EOF.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  LoopbackSocket socket_;
  std::string head_;
  std::string in_;  // received, not consumed
};

}  // namespace parley::testing
