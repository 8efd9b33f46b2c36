#include "net/frame_batch.h"

#include "protocol/frame_codec.h"

namespace parley::net {

FrameBatch::Header FrameBatch::ProtocolFrameHeader(const core::OutboundPacket& packet) {
  const protocol::FrameHeaderBytes header =
      protocol::EncodeFrameHeader(packet.cmd, packet.body ? packet.body->size() : 0);
  static_assert(sizeof(header) <= sizeof(Header::bytes));
  return Header(header.data(), header.size());
}

void FrameBatch::Clear() {
  packets_.clear();
  headers_.clear();
  buffers_.clear();
  first_unwritten_ = 0;
  push_count_ = 0;
}

void FrameBatch::Consume(std::size_t bytes) {
  while (bytes > 0 && first_unwritten_ < buffers_.size()) {
    boost::asio::const_buffer& front = buffers_[first_unwritten_];
    if (bytes < front.size()) {
      front += bytes;
      return;
    }
    bytes -= front.size();
    ++first_unwritten_;
  }
}

void FrameBatch::Assign(std::vector<core::OutboundPacket>& packets, EncodeHeader encode) {
  Clear();
  packets_.swap(packets);
  // Reserve first: buffers_ points into headers_, which must not reallocate.
  headers_.reserve(packets_.size());
  buffers_.reserve(packets_.size() * 2);
  for (const core::OutboundPacket& packet : packets_) {
    const std::size_t size = packet.body ? packet.body->size() : 0;
    const Header& header = headers_.emplace_back(encode(packet));
    buffers_.emplace_back(header.bytes.data(), header.size);
    if (size != 0) buffers_.emplace_back(packet.body->data(), size);
    push_count_ += packet.push ? 1 : 0;
  }
}

}  // namespace parley::net
