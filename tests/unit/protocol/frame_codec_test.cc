#include "protocol/frame_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace parley::protocol {
namespace {

std::vector<Frame> DrainFrames(FrameDecoder& decoder) {
  std::vector<Frame> frames;
  for (;;) {
    auto next = decoder.Next();
    EXPECT_TRUE(next.has_value());
    if (!next || !*next) break;
    frames.push_back(std::move(**next));
  }
  return frames;
}

TEST(FrameCodec, HeaderIsBigEndianAndCountsVersionAndCmd) {
  std::string frame = EncodeFrame(0x0102, "{}");
  ASSERT_EQ(frame.size(), 10u);
  EXPECT_EQ(frame.substr(0, 4), std::string("\0\0\0\x06", 4));  // 4 + 2 body bytes
  EXPECT_EQ(frame.substr(4, 2), std::string("\0\x01", 2));      // version 1
  EXPECT_EQ(frame.substr(6, 2), std::string("\x01\x02", 2));
  EXPECT_EQ(frame.substr(8), "{}");
}

TEST(FrameCodec, DecodesAStreamFedByteByByte) {
  std::string stream;
  for (int i = 0; i < 50; ++i) stream += EncodeFrame(i % 10, "{\"n\":" + std::to_string(i) + "}");
  FrameDecoder decoder;
  std::vector<Frame> frames;
  for (char c : stream) {
    decoder.Feed(std::string_view(&c, 1));
    for (auto& f : DrainFrames(decoder)) frames.push_back(std::move(f));
  }
  ASSERT_EQ(frames.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(frames[i].cmd, i % 10);
    EXPECT_EQ(frames[i].body, "{\"n\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(decoder.BufferedBytes(), 0u);
}

TEST(FrameCodec, DecodesManyFramesArrivingAtOnce) {
  std::string stream;
  for (int i = 0; i < 1000; ++i) stream += EncodeFrame(2, std::string(i % 97, 'x'));
  FrameDecoder decoder;
  decoder.Feed(stream);
  auto frames = DrainFrames(decoder);
  ASSERT_EQ(frames.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(frames[i].body.size(), static_cast<size_t>(i % 97));
}

TEST(FrameCodec, DecodesRandomSplits) {
  std::mt19937 rng(7);
  std::string stream;
  for (int i = 0; i < 300; ++i) stream += EncodeFrame(3, std::string(rng() % 2000, 'a' + i % 26));
  FrameDecoder decoder;
  std::size_t pos = 0, count = 0;
  while (pos < stream.size()) {
    std::size_t n = std::min<std::size_t>(1 + rng() % 5000, stream.size() - pos);
    auto space = decoder.WritableSpace(n);
    std::copy_n(stream.data() + pos, n, space.data());
    decoder.Commit(n);
    pos += n;
    count += DrainFrames(decoder).size();
  }
  EXPECT_EQ(count, 300u);
}

TEST(FrameCodec, EmptyBodyIsAValidFrame) {
  FrameDecoder decoder;
  decoder.Feed(EncodeFrame(0, ""));
  auto frames = DrainFrames(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].body, "");
}

TEST(FrameCodec, LengthBelowFourIsAStickyError) {
  FrameDecoder decoder;
  decoder.Feed(std::string("\0\0\0\x03\0\x01\0\0", 8));
  auto next = decoder.Next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, base::Code::kBadRequest);
  decoder.Feed(EncodeFrame(0, "{}"));
  EXPECT_FALSE(decoder.Next().has_value());  // the stream cannot recover
}

TEST(FrameCodec, LengthAboveMaxIsRejectedBeforeTheBodyArrives) {
  FrameDecoder decoder(1024);
  decoder.Feed(std::string("\x7f\xff\xff\xff", 4));  // announces ~2 GiB, sends nothing more
  auto next = decoder.Next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, base::Code::kTooLarge);
}

TEST(FrameCodec, FrameOfExactlyMaxIsAccepted) {
  FrameDecoder decoder(1024);
  decoder.Feed(EncodeFrame(2, std::string(1020, 'x')));
  auto frames = DrainFrames(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].body.size(), 1020u);
}

TEST(FrameCodec, UnknownVersionIsRejected) {
  FrameDecoder decoder;
  decoder.Feed(std::string("\0\0\0\x04\0\x02\0\0", 8));
  auto next = decoder.Next();
  ASSERT_FALSE(next.has_value());
  EXPECT_NE(next.error().message.find("version"), std::string::npos);
}

TEST(FrameCodec, PartialHeaderWaitsForMoreBytes) {
  FrameDecoder decoder;
  std::string frame = EncodeFrame(1, "{}");
  decoder.Feed(frame.substr(0, 6));
  auto next = decoder.Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(*next);
  decoder.Feed(frame.substr(6));
  EXPECT_EQ(DrainFrames(decoder).size(), 1u);
}

TEST(FrameCodec, BufferStaysBoundedUnderATrickledMaximalFrame) {
  FrameDecoder decoder(4096);
  std::string frame = EncodeFrame(2, std::string(4092, 'y'));
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    decoder.Feed(frame.substr(i, 1));
    ASSERT_TRUE(decoder.Next().has_value());
    ASSERT_LE(decoder.BufferedBytes(), 4096u + 4);
  }
}

// An idle connection frees its read buffer; a partial frame is never dropped.
TEST(FrameCodec, ReleaseIfEmptyKeepsAPartialFrame) {
  FrameDecoder decoder;
  const std::string a = EncodeFrame(1, "first");
  const std::string b = EncodeFrame(2, "second");
  decoder.Feed(a + b.substr(0, 5));
  ASSERT_EQ(DrainFrames(decoder).size(), 1u);
  decoder.ReleaseIfEmpty();  // 5 bytes of b are pending: kept
  EXPECT_EQ(decoder.BufferedBytes(), 5u);
  decoder.Feed(b.substr(5));
  const auto frames = DrainFrames(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].body, "second");

  decoder.ReleaseIfEmpty();
  EXPECT_EQ(decoder.BufferedBytes(), 0u);
  EXPECT_FALSE(*decoder.Next());
  decoder.Feed(a);  // usable again after the release
  EXPECT_EQ(DrainFrames(decoder).size(), 1u);
}

// Found by fuzz/frame_decoder_fuzzer: feeding no bytes to a decoder without
// a buffer passed memcpy a null pointer (undefined even for zero bytes).
TEST(FrameCodec, FeedingNothingIsANoOp) {
  FrameDecoder decoder;
  decoder.Feed("");
  EXPECT_EQ(decoder.BufferedBytes(), 0u);
  decoder.Feed(EncodeFrame(0, "{}"));
  decoder.Feed("");
  EXPECT_EQ(DrainFrames(decoder).size(), 1u);
}

}  // namespace
}  // namespace parley::protocol
