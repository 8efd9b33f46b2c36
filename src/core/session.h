#pragma once
// What the core needs of a client connection. Implemented by net/.

#include <cstdint>
#include <memory>
#include <string>

namespace parley::core {

// A packet to send: its command and its JSON body. The body is shared
// immutable bytes, so one serialization serves every recipient.
struct OutboundPacket {
  std::uint16_t cmd = 0;
  std::shared_ptr<const std::string> body;
  // Set by the receiving session (net/) on what came through Deliver, so its
  // metrics tell pushes from replies; the core leaves it false.
  bool push = false;
};

class Session {
 public:
  virtual ~Session() = default;

  // Unique for the life of the process.
  virtual std::uint64_t id() const = 0;

  // Queues a packet for the connection. Safe from any thread; never blocks.
  // When the connection's bounded queue is full the connection is closed
  // (a slow consumer catches up later by SYNC/PULL).
  virtual void Deliver(OutboundPacket packet) = 0;

  // Closes the connection after what is already queued. Safe from any thread.
  virtual void Close(std::string reason) = 0;
};

}  // namespace parley::core
