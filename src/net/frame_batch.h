#pragma once
// One gather write (writev) of queued packets on the TCP gateway.
//
//   buffers(): [hdr 0][body 0][hdr 1][body 1] ... [hdr n-1][body n-1]
//                 |      |
//                 |      +-- the packet's shared body bytes, not copied
//                 +-- 8 bytes from protocol::EncodeFrameHeader, owned here
//
// The batch owns the packets (so the bodies outlive the write) and the
// headers; the vectors keep their capacity across Clear, so a long-lived
// connection stops allocating once it has seen its largest batch.
//
// Threads: owned by one connection's writer; not thread-safe.

#include <boost/asio/buffer.hpp>

#include <vector>

#include "core/session.h"
#include "protocol/frame_codec.h"

namespace parley::net {

class FrameBatch {
 public:
  // Replaces the batch's content with `packets` (left empty, keeping their
  // capacity for the next TakeAll).
  void Assign(std::vector<core::OutboundPacket>& packets);
  // Releases the bodies once written; keeps the capacity.
  void Clear();

  const std::vector<boost::asio::const_buffer>& buffers() const { return buffers_; }
  std::size_t packet_count() const { return packets_.size(); }

 private:
  std::vector<core::OutboundPacket> packets_;
  std::vector<protocol::FrameHeaderBytes> headers_;
  std::vector<boost::asio::const_buffer> buffers_;
};

}  // namespace parley::net
