#pragma once
// The bounded outbound queue of one connection (docs/design.md "Backpressure").
//
// Producers are the connection's own reader (replies) and any thread of the
// core (pushes); the consumer is the connection's writer coroutine, which
// takes everything queued at once and sends it in one gather write.
//
// Why a mutex-protected vector rather than a post() per packet: a post costs
// a handler allocation, a lock of the io_context queue and, across threads, a
// wake-up of the target thread (an eventfd write). Here a Push is an
// uncontended lock and a push_back; only the Push that finds the writer idle
// asks the caller to wake it (PushResult::kQueuedWakeWriter), so a burst of N
// packets costs one wake-up and leaves in one write.
//
// Metrics: with a base::Metrics, the queue counts the pushes
// (OutboundPacket::push) it queues and every push it drops: the one that
// overflows it and those it held then (reason slow_consumer), those pushed
// after it closed or held when Close() ran (reason closed). What TakeAll
// hands out is the writer's to count (sent, or dropped when the write fails).
//
// Threads: every method is safe from any thread.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "base/metrics.h"
#include "core/session.h"

namespace parley::net {

class OutboundQueue {
 public:
  struct Limits {
    std::size_t max_packets = 4096;
    std::size_t max_bytes = 8 * 1024 * 1024;  // bodies plus an 8-byte header each
  };

  enum class PushResult {
    kQueued,            // the writer is busy and will find the packet
    kQueuedWakeWriter,  // the writer is idle: the caller must wake it
    kOverflow,          // a limit was exceeded: packet dropped, queue closed
    kClosed,            // the queue was closed before: packet dropped
  };

  // `metrics` (may be null) must outlive the queue.
  explicit OutboundQueue(Limits limits, base::Metrics* metrics = nullptr)
      : limits_(limits), metrics_(metrics) {}

  PushResult Push(core::OutboundPacket packet);

  // Moves every queued packet into `out` (which must be empty). When there is
  // none, records that the writer is about to wait, so that the next Push
  // returns kQueuedWakeWriter.
  void TakeAll(std::vector<core::OutboundPacket>& out);

  // Drops what is queued; later pushes return kClosed. Idempotent.
  void Close();

 private:
  // Counts `n` dropped pushes (no-op without metrics).
  void CountDropped(base::PushDrop reason, std::size_t n);

  const Limits limits_;
  base::Metrics* const metrics_;
  std::mutex mutex_;
  std::vector<core::OutboundPacket> packets_;
  std::size_t bytes_ = 0;
  std::uint32_t pushes_ = 0;  // how many of packets_ are pushes (<= max_packets)
  bool writer_waiting_ = false;
  bool closed_ = false;
};

}  // namespace parley::net
