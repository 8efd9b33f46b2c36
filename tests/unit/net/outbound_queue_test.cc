#include "net/outbound_queue.h"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

using Result = OutboundQueue::PushResult;

core::OutboundPacket Packet(std::size_t body_size) {
  return {2, std::make_shared<const std::string>(body_size, 'x')};
}

TEST(OutboundQueue, OnlyThePushAfterTheWriterWentIdleWakesIt) {
  OutboundQueue queue({10, 1 << 20});
  std::vector<core::OutboundPacket> batch;
  EXPECT_EQ(queue.Push(Packet(1)), Result::kQueued);  // the writer has not looked yet
  queue.TakeAll(batch);
  EXPECT_EQ(batch.size(), 1u);
  batch.clear();
  queue.TakeAll(batch);  // empty: the writer is about to wait
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(queue.Push(Packet(1)), Result::kQueuedWakeWriter);
  EXPECT_EQ(queue.Push(Packet(1)), Result::kQueued);
  queue.TakeAll(batch);
  EXPECT_EQ(batch.size(), 2u);
}

TEST(OutboundQueue, PacketLimitOverflowsOnceThenDrops) {
  OutboundQueue queue({3, 1 << 20});
  for (int i = 0; i < 3; ++i) EXPECT_NE(queue.Push(Packet(1)), Result::kOverflow);
  EXPECT_EQ(queue.Push(Packet(1)), Result::kOverflow);
  EXPECT_EQ(queue.Push(Packet(1)), Result::kClosed);
  std::vector<core::OutboundPacket> batch;
  queue.TakeAll(batch);
  EXPECT_TRUE(batch.empty());  // the backlog of a slow consumer is dropped
}

TEST(OutboundQueue, ByteLimitCountsHeadersAndBodies) {
  OutboundQueue queue({100, 2 * (8 + 100)});
  EXPECT_NE(queue.Push(Packet(100)), Result::kOverflow);
  EXPECT_NE(queue.Push(Packet(100)), Result::kOverflow);
  EXPECT_EQ(queue.Push(Packet(0)), Result::kOverflow);
}

TEST(OutboundQueue, TakingEverythingFreesTheBudget) {
  OutboundQueue queue({2, 1 << 20});
  std::vector<core::OutboundPacket> batch;
  for (int round = 0; round < 5; ++round) {
    EXPECT_NE(queue.Push(Packet(1)), Result::kOverflow);
    EXPECT_NE(queue.Push(Packet(1)), Result::kOverflow);
    batch.clear();
    queue.TakeAll(batch);
    EXPECT_EQ(batch.size(), 2u);
  }
}

TEST(OutboundQueue, CloseDropsQueuedAndLaterPackets) {
  OutboundQueue queue({10, 1 << 20});
  queue.Push(Packet(1));
  queue.Close();
  EXPECT_EQ(queue.Push(Packet(1)), Result::kClosed);
  std::vector<core::OutboundPacket> batch;
  queue.TakeAll(batch);
  EXPECT_TRUE(batch.empty());
}

core::OutboundPacket Push(std::size_t body_size) {
  core::OutboundPacket packet = Packet(body_size);
  packet.push = true;
  return packet;
}

std::uint64_t Dropped(const base::Metrics& m, base::PushDrop reason) {
  return m.pushes_dropped_total[base::Metrics::Index(reason)].load();
}

TEST(OutboundQueue, CountsPushesQueuedAndDroppedButNotReplies) {
  base::Metrics m;
  OutboundQueue queue({3, 1 << 20}, &m);
  std::vector<core::OutboundPacket> batch;
  EXPECT_NE(queue.Push(Push(1)), Result::kOverflow);
  EXPECT_NE(queue.Push(Packet(1)), Result::kOverflow);  // a reply: not counted
  queue.TakeAll(batch);  // the writer's to count from here
  EXPECT_EQ(m.pushes_queued_total.load(), 1u);
  EXPECT_NE(queue.Push(Push(1)), Result::kOverflow);
  EXPECT_NE(queue.Push(Push(1)), Result::kOverflow);
  EXPECT_NE(queue.Push(Packet(1)), Result::kOverflow);
  EXPECT_EQ(queue.Push(Push(1)), Result::kOverflow);  // drops itself and the 2 queued pushes
  EXPECT_EQ(m.pushes_queued_total.load(), 3u);
  EXPECT_EQ(Dropped(m, base::PushDrop::kSlowConsumer), 3u);
  EXPECT_EQ(queue.Push(Push(1)), Result::kClosed);
  EXPECT_EQ(queue.Push(Packet(1)), Result::kClosed);
  EXPECT_EQ(Dropped(m, base::PushDrop::kClosed), 1u);
}

TEST(OutboundQueue, CloseCountsThePushesItDiscards) {
  base::Metrics m;
  OutboundQueue queue({10, 1 << 20}, &m);
  queue.Push(Push(1));
  queue.Push(Push(1));
  queue.Push(Packet(1));
  queue.Close();
  queue.Close();  // idempotent: nothing counted twice
  EXPECT_EQ(m.pushes_queued_total.load(), 2u);
  EXPECT_EQ(Dropped(m, base::PushDrop::kClosed), 2u);
  EXPECT_EQ(Dropped(m, base::PushDrop::kSlowConsumer), 0u);
}

}  // namespace
}  // namespace parley::net
