#pragma once
// The TCP frame of docs/protocol.md "TCP":
//
//   +-------------+--------------+-----------+---------------------+
//   | Length u32  | Version u16  | Cmd u16   | Body: JSON, UTF-8   |
//   +-------------+--------------+-----------+---------------------+
//   big endian; Length = 4 + body bytes
//
// Pure code: no I/O, no threads. A FrameDecoder belongs to one connection.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::protocol {

inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 8;  // Length + Version + Cmd
inline constexpr std::size_t kLengthFieldSize = 4;
inline constexpr std::uint32_t kMinFrameLength = 4;  // Version + Cmd, empty body
inline constexpr std::uint32_t kDefaultMaxFrame = 64 * 1024;

using FrameHeaderBytes = std::array<char, kFrameHeaderSize>;

// The 8 header bytes of a frame whose body has `body_size` bytes.
FrameHeaderBytes EncodeFrameHeader(std::uint16_t cmd, std::size_t body_size);

// A whole frame: header followed by body.
std::string EncodeFrame(std::uint16_t cmd, std::string_view body);

struct Frame {
  std::uint16_t cmd = 0;
  std::string body;
};

// Incremental decoder: bytes go in as they arrive, in any split; whole frames
// come out. A framing error (Length < 4, Length > max_frame, unknown version)
// is sticky: the stream cannot be resynchronised, so the connection must close.
//
// Memory is bounded: the buffer never holds more than one maximal frame plus
// the bytes of the last read (the caller bounds reads by WritableSpace's size).
class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t max_frame = kDefaultMaxFrame);

  // Space to read into; at least `min_bytes` long. Valid until the next call.
  std::span<char> WritableSpace(std::size_t min_bytes = 4096);
  // Marks `n` bytes written into the last WritableSpace as received.
  void Commit(std::size_t n);
  // Copies bytes in (convenience for tests and WebSocket-less callers).
  void Feed(std::string_view bytes);

  // The next whole frame, std::nullopt when more bytes are needed, or the
  // framing error (code 400 or 413).
  base::Result<std::optional<Frame>> Next();

  // Bytes received but not yet returned as frames.
  std::size_t BufferedBytes() const { return end_ - begin_; }
  // Frees the buffer when it holds no byte: an idle connection keeps none.
  void ReleaseIfEmpty();

 private:
  void Compact();

  std::uint32_t max_frame_;
  // Not a std::string: growing it must not zero-fill what a read overwrites.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::optional<base::Error> failed_;
};

}  // namespace parley::protocol
