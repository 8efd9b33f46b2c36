#include "net/outbound_queue.h"

#include <cstdint>
#include <utility>

#include "protocol/frame_codec.h"

namespace parley::net {

void OutboundQueue::CountDropped(base::PushDrop reason, std::size_t n) {
  if (metrics_ && n != 0)
    base::Bump(metrics_->pushes_dropped_total[base::Metrics::Index(reason)], n);
}

OutboundQueue::PushResult OutboundQueue::Push(core::OutboundPacket packet) {
  const std::size_t size = protocol::kFrameHeaderSize + (packet.body ? packet.body->size() : 0);
  const std::uint32_t push = packet.push ? 1 : 0;
  std::vector<core::OutboundPacket> dropped;  // freed outside the lock
  std::lock_guard lock(mutex_);
  if (closed_) {
    CountDropped(base::PushDrop::kClosed, push);
    return PushResult::kClosed;
  }
  if (packets_.size() + 1 > limits_.max_packets || bytes_ + size > limits_.max_bytes) {
    closed_ = true;
    dropped.swap(packets_);
    bytes_ = 0;
    CountDropped(base::PushDrop::kSlowConsumer, std::size_t{std::exchange(pushes_, 0)} + push);
    return PushResult::kOverflow;
  }
  packets_.push_back(std::move(packet));
  bytes_ += size;
  pushes_ += push;
  if (metrics_ && push != 0) base::Bump(metrics_->pushes_queued_total);
  return std::exchange(writer_waiting_, false) ? PushResult::kQueuedWakeWriter
                                               : PushResult::kQueued;
}

void OutboundQueue::TakeAll(std::vector<core::OutboundPacket>& out) {
  std::lock_guard lock(mutex_);
  // Swapping keeps both vectors' capacity: steady state allocates nothing.
  out.swap(packets_);
  bytes_ = 0;
  pushes_ = 0;
  writer_waiting_ = out.empty();
}

void OutboundQueue::Close() {
  std::vector<core::OutboundPacket> dropped;
  std::lock_guard lock(mutex_);
  closed_ = true;
  dropped.swap(packets_);
  bytes_ = 0;
  CountDropped(base::PushDrop::kClosed, std::exchange(pushes_, 0));
}

}  // namespace parley::net
