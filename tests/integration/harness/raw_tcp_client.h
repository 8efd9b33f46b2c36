#pragma once
// A deliberately dumb TCP peer for integration tests: blocking POSIX socket,
// sends arbitrary bytes or frames, reads frames with a timeout. It exists to
// send what a real client never would.

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "integration/harness/loopback_socket.h"
#include "protocol/frame_codec.h"

namespace parley::testing {

class RawTcpClient {
 public:
  explicit RawTcpClient(std::uint16_t port) : socket_(port) {}

  bool connected() const { return socket_.connected(); }
  // False when the peer has closed the connection (or on error).
  bool SendBytes(std::string_view bytes);
  bool SendFrame(std::uint16_t cmd, std::string_view body);

  // The next packet, or nullopt on timeout / close / framing error.
  std::optional<boost::json::object> Read(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a request and reads until the reply with the same cmd arrives,
  // skipping pushes and events.
  std::optional<boost::json::object> Call(std::uint16_t cmd, const boost::json::object& body,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closes the connection within `timeout` (reading and
  // discarding whatever it still sends).
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Logs in with a token (cmd 1) and returns whether it succeeded.
  bool Login(const std::string& token);

 private:
  LoopbackSocket socket_;
  protocol::FrameDecoder decoder_{16 * 1024 * 1024};
};

// The "code" of a reply; -1 when there was none (timeout, closed).
std::int64_t CodeOf(const std::optional<boost::json::object>& reply);

// A token the test server accepts for `user_id` (HS256 with the test secret).
std::string TestToken(const std::string& user_id, std::int64_t ttl_seconds = 3600);

}  // namespace parley::testing
