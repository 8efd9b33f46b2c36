#include "net/frame_batch.h"

namespace parley::net {

void FrameBatch::Clear() {
  packets_.clear();
  headers_.clear();
  buffers_.clear();
}

void FrameBatch::Assign(std::vector<core::OutboundPacket>& packets) {
  Clear();
  packets_.swap(packets);
  // Reserve first: buffers_ points into headers_, which must not reallocate.
  headers_.reserve(packets_.size());
  buffers_.reserve(packets_.size() * 2);
  for (const core::OutboundPacket& packet : packets_) {
    const std::size_t size = packet.body ? packet.body->size() : 0;
    const protocol::FrameHeaderBytes& header =
        headers_.emplace_back(protocol::EncodeFrameHeader(packet.cmd, size));
    buffers_.emplace_back(header.data(), header.size());
    if (size != 0) buffers_.emplace_back(packet.body->data(), size);
  }
}

}  // namespace parley::net
