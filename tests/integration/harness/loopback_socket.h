#pragma once
// A blocking POSIX TCP socket to 127.0.0.1, with deadlines: what the raw test
// peers (raw_tcp_client.h, raw_ws_client.h) share.

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

namespace parley::testing {

class LoopbackSocket {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Connects at once, TCP_NODELAY; connected() tells whether it worked.
  explicit LoopbackSocket(std::uint16_t port);
  ~LoopbackSocket();
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  // All of `bytes`; false when the peer has closed the connection (or on error).
  bool SendAll(std::string_view bytes);
  // Waits until `deadline` for input and reads what is there into `space`:
  // the byte count, 0 on timeout, close or error.
  std::size_t ReceiveSome(std::span<char> space, Deadline deadline);
  // True when the peer closes (FIN or reset) before `deadline`, reading and
  // discarding whatever it still sends.
  bool WaitClosed(Deadline deadline);

 private:
  int fd_ = -1;
};

}  // namespace parley::testing
