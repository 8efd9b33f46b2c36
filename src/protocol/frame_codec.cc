#include "protocol/frame_codec.h"

#include <algorithm>
#include <cstring>

namespace parley::protocol {
namespace {

std::uint32_t ReadU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         std::uint32_t{u[3]};
}

std::uint16_t ReadU16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>((u[0] << 8) | u[1]);
}

}  // namespace

FrameHeaderBytes EncodeFrameHeader(std::uint16_t cmd, std::size_t body_size) {
  const auto length = static_cast<std::uint32_t>(kMinFrameLength + body_size);
  FrameHeaderBytes h;
  h[0] = static_cast<char>(length >> 24);
  h[1] = static_cast<char>(length >> 16);
  h[2] = static_cast<char>(length >> 8);
  h[3] = static_cast<char>(length);
  h[4] = static_cast<char>(kProtocolVersion >> 8);
  h[5] = static_cast<char>(kProtocolVersion & 0xff);
  h[6] = static_cast<char>(cmd >> 8);
  h[7] = static_cast<char>(cmd & 0xff);
  return h;
}

std::string EncodeFrame(std::uint16_t cmd, std::string_view body) {
  std::string out;
  out.reserve(kFrameHeaderSize + body.size());
  const FrameHeaderBytes h = EncodeFrameHeader(cmd, body.size());
  out.append(h.data(), h.size());
  out.append(body);
  return out;
}

FrameDecoder::FrameDecoder(std::uint32_t max_frame)
    : max_frame_(std::max(max_frame, kMinFrameLength)) {}

void FrameDecoder::Compact() {
  if (begin_ == 0) return;
  std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

std::span<char> FrameDecoder::WritableSpace(std::size_t min_bytes) {
  if (capacity_ - end_ < min_bytes) {
    Compact();
    if (capacity_ - end_ < min_bytes) {
      const std::size_t capacity = end_ + min_bytes;
      auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
      if (end_ > 0) std::memcpy(bigger.get(), buffer_.get(), end_);
      buffer_ = std::move(bigger);
      capacity_ = capacity;
    }
  }
  return {buffer_.get() + end_, capacity_ - end_};
}

void FrameDecoder::Commit(std::size_t n) { end_ += std::min(n, capacity_ - end_); }

void FrameDecoder::ReleaseIfEmpty() {
  if (begin_ != end_) return;
  buffer_.reset();
  capacity_ = 0;
  begin_ = end_ = 0;
}

void FrameDecoder::Feed(std::string_view bytes) {
  // Nothing to copy; an empty decoder's space is a null pointer, which
  // memcpy must not get even for zero bytes.
  if (bytes.empty()) return;
  std::span<char> space = WritableSpace(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  Commit(bytes.size());
}

base::Result<std::optional<Frame>> FrameDecoder::Next() {
  if (failed_) return *failed_;
  const std::size_t available = end_ - begin_;
  if (available < kLengthFieldSize) return std::optional<Frame>{};
  const char* p = buffer_.get() + begin_;
  const std::uint32_t length = ReadU32(p);
  if (length < kMinFrameLength) {
    failed_ = base::MakeError(base::Code::kBadRequest,
                              "frame length " + std::to_string(length) + " is below 4");
    return *failed_;
  }
  if (length > max_frame_) {
    failed_ = base::MakeError(base::Code::kTooLarge, "frame length " + std::to_string(length) +
                                                         " exceeds the limit of " +
                                                         std::to_string(max_frame_));
    return *failed_;
  }
  if (available < kFrameHeaderSize) return std::optional<Frame>{};
  const std::uint16_t version = ReadU16(p + 4);
  if (version != kProtocolVersion) {
    failed_ = base::MakeError(base::Code::kBadRequest,
                              "unsupported protocol version " + std::to_string(version));
    return *failed_;
  }
  const std::size_t total = kLengthFieldSize + length;
  if (available < total) return std::optional<Frame>{};
  Frame frame;
  frame.cmd = ReadU16(p + 6);
  frame.body.assign(p + kFrameHeaderSize, total - kFrameHeaderSize);
  begin_ += total;
  if (begin_ == end_) begin_ = end_ = 0;
  return std::optional<Frame>{std::move(frame)};
}

}  // namespace parley::protocol
