#pragma once
// One gather write (writev) of queued packets, each packet one frame: the
// binary protocol's on the TCP gateway, a WebSocket text frame on the
// WebSocket one (the caller's header encoder decides).
//
//   buffers(): [hdr 0][body 0][hdr 1][body 1] ... [hdr n-1][body n-1]
//                 |      |
//                 |      +-- the packet's shared body bytes, not copied
//                 +-- up to 10 bytes from the header encoder, owned here
//
// The batch owns the packets (so the bodies outlive the write) and the
// headers; the vectors keep their capacity across Clear, so a long-lived
// connection stops allocating once it has seen its largest batch. (An idle
// WebSocket connection frees its batch altogether.)
//
// Threads: owned by one connection's writer; not thread-safe.

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/session.h"

namespace parley::net {

class FrameBatch {
 public:
  struct Header {
    Header() = default;
    Header(const char* data, std::size_t n) : size(static_cast<std::uint8_t>(n)) {
      std::memcpy(bytes.data(), data, n);  // n <= 10: the encoders' contract
    }
    std::array<char, 10> bytes{};
    std::uint8_t size = 0;
  };
  using EncodeHeader = Header (*)(const core::OutboundPacket& packet);
  // The binary protocol's 8-byte frame header (protocol/frame_codec.h).
  static Header ProtocolFrameHeader(const core::OutboundPacket& packet);

  // Replaces the batch's content with `packets` (left empty, keeping their
  // capacity for the next TakeAll), each preceded by encode(packet).
  void Assign(std::vector<core::OutboundPacket>& packets,
              EncodeHeader encode = ProtocolFrameHeader);
  // Releases the bodies once written; keeps the capacity.
  void Clear();

  const std::vector<boost::asio::const_buffer>& buffers() const { return buffers_; }
  // What a partial write left: buffers() without the first `Consume`d bytes.
  std::span<const boost::asio::const_buffer> unwritten() const {
    return std::span(buffers_).subspan(first_unwritten_);
  }
  // Marks `bytes` more from the front as written (a writev's return).
  void Consume(std::size_t bytes);
  std::size_t packet_count() const { return packets_.size(); }
  // How many of the packets are pushes (OutboundPacket::push), for metrics.
  std::size_t push_count() const { return push_count_; }

 private:
  std::vector<core::OutboundPacket> packets_;
  std::vector<Header> headers_;
  std::vector<boost::asio::const_buffer> buffers_;
  std::size_t first_unwritten_ = 0;  // into buffers_
  std::size_t push_count_ = 0;
};

}  // namespace parley::net
