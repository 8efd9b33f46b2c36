#include "net/frame_batch.h"

#include <gtest/gtest.h>

#include "net/ws_frame.h"
#include "protocol/frame_codec.h"

namespace parley::net {
namespace {

std::string Concatenate(std::span<const boost::asio::const_buffer> buffers) {
  std::string out;
  for (const auto& b : buffers) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

TEST(FrameBatch, GatherBuffersEncodeEachPacketAsAFrame) {
  auto shared = std::make_shared<const std::string>(R"({"cmd":5,"payload":{}})");
  std::vector<core::OutboundPacket> packets = {
      {0, std::make_shared<const std::string>(R"({"cmd":0,"code":0})")},
      {5, shared, true},
      {5, shared, true},  // one serialization fanned out twice
      {7, std::make_shared<const std::string>()},
  };
  FrameBatch batch;
  batch.Assign(packets);
  EXPECT_TRUE(packets.empty());
  ASSERT_EQ(batch.packet_count(), 4u);
  EXPECT_EQ(batch.push_count(), 2u);  // the two marked as pushes
  ASSERT_EQ(batch.buffers().size(), 7u);  // the empty body adds no buffer

  const std::string expected = protocol::EncodeFrame(0, R"({"cmd":0,"code":0})") +
                               protocol::EncodeFrame(5, *shared) +
                               protocol::EncodeFrame(5, *shared) + protocol::EncodeFrame(7, "");
  EXPECT_EQ(Concatenate(batch.buffers()), expected);

  // Bodies are referenced, not copied.
  EXPECT_EQ(batch.buffers()[3].data(), shared->data());
  EXPECT_EQ(batch.buffers()[5].data(), shared->data());
}

TEST(FrameBatch, ReusedAcrossBatches) {
  FrameBatch batch;
  for (int round = 0; round < 3; ++round) {
    std::vector<core::OutboundPacket> packets;
    for (int i = 0; i <= round * 50; ++i) {
      packets.push_back({2, std::make_shared<const std::string>(std::to_string(i))});
    }
    std::string expected;
    for (const auto& p : packets) expected += protocol::EncodeFrame(2, *p.body);
    batch.Assign(packets);
    EXPECT_EQ(Concatenate(batch.buffers()), expected);
    batch.Clear();
    EXPECT_TRUE(batch.buffers().empty());
    EXPECT_EQ(batch.push_count(), 0u);
  }
}

// A writev may take any number of bytes; what is left must be exactly the
// rest of the stream, whatever the split and however many writes it took.
TEST(FrameBatch, UnwrittenIsTheRestAfterPartialWrites) {
  const auto make_packets = [] {
    return std::vector<core::OutboundPacket>{
        {0, std::make_shared<const std::string>("first")},
        {7, std::make_shared<const std::string>()},
        {5, std::make_shared<const std::string>(std::string(40, 'b'))},
    };
  };
  FrameBatch batch;
  std::vector<core::OutboundPacket> packets = make_packets();
  batch.Assign(packets);
  const std::string whole = Concatenate(batch.buffers());
  for (std::size_t step = 1; step <= whole.size(); ++step) {
    std::vector<core::OutboundPacket> again = make_packets();
    batch.Assign(again);
    std::size_t written = 0;
    while (written < whole.size()) {
      ASSERT_EQ(Concatenate(batch.unwritten()), whole.substr(written)) << "step " << step;
      const std::size_t n = std::min(step, whole.size() - written);
      batch.Consume(n);
      written += n;
    }
    EXPECT_TRUE(batch.unwritten().empty()) << "step " << step;
    batch.Consume(10);  // past the end: nothing left to drop
    EXPECT_TRUE(batch.unwritten().empty());
  }
  batch.Clear();
  std::vector<core::OutboundPacket> next = make_packets();
  batch.Assign(next);
  EXPECT_EQ(Concatenate(batch.unwritten()), whole);  // Clear forgets the progress
}

TEST(FrameBatch, HeadersFromTheCallersEncoder) {
  const auto text_header = [](const core::OutboundPacket& p) {
    const ws::FrameHeader h = ws::EncodeFrameHeader(ws::Opcode::kText, p.body->size());
    return FrameBatch::Header(h.bytes.data(), h.size);
  };
  const std::string big(300, 'x');
  std::vector<core::OutboundPacket> packets = {
      {0, std::make_shared<const std::string>("hi")},
      {0, std::make_shared<const std::string>(big)},
  };
  FrameBatch batch;
  batch.Assign(packets, text_header);
  EXPECT_EQ(Concatenate(batch.buffers()), std::string("\x81\x02hi") + "\x81\x7e\x01\x2c" + big);
}

}  // namespace
}  // namespace parley::net
