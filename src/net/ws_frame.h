#pragma once
// RFC 6455 framing, server side, without Beast: decodes the masked frames a
// client sends into messages and control frames, and encodes the unmasked
// frames the server sends. Pure code: no I/O, no threads (used by
// ws_connection.cc; unit-tested byte by byte in tests/unit/net).
//
// No extension is negotiated, so the reserved bits must be zero.
//
// Memory: an idle WsReader owns no heap memory. It keeps bytes only while a
// frame is incomplete (its leftover tail) or a fragmented message is being
// reassembled, and frees them once used up; both are bounded by the maximum
// message size (plus one read).
//
//   Feed(bytes just read) ──► Next() ─► kText / kBinary / kPing / kPong / kClose
//          ▲                    │  └──► kError (then the connection closes)
//          │                    └─────► kNeedMore: the incomplete tail is kept
//    read more                                      in the reader's own buffer
//
// Threads: a WsReader belongs to one connection; not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::net::ws {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close status codes (RFC 6455 7.4.1) the server uses.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseNoStatus = 1005;  // received only: a close without a code
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;

// Largest payload of a control frame, and of a close reason after its code.
inline constexpr std::size_t kMaxControlPayload = 125;
inline constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;

// The header of one unmasked server frame with FIN set: 2, 4 or 10 bytes.
struct FrameHeader {
  std::array<char, 10> bytes;
  std::uint8_t size = 0;

  std::string_view view() const { return {bytes.data(), size}; }
};
FrameHeader EncodeFrameHeader(Opcode opcode, std::size_t payload_size);

// A whole server control frame: ping/pong with `payload` (at most 125 bytes,
// longer is cut), or close with `code` and `reason` (cut to 123 bytes, on a
// UTF-8 character boundary). EncodeClose(kCloseNoStatus, ...) gives a close
// frame without a body.
std::string EncodeControlFrame(Opcode opcode, std::string_view payload);
std::string EncodeCloseFrame(std::uint16_t code, std::string_view reason);

class WsReader {
 public:
  struct Event {
    enum class Kind { kNeedMore, kText, kBinary, kPing, kPong, kClose, kError };
    Kind kind = Kind::kNeedMore;
    // kText/kBinary: the whole message; kPing/kPong: the payload; kClose: the
    // reason. Valid until the next call of any method.
    std::string_view payload;
    // kClose: the peer's code (kCloseNoStatus when it sent none); kError: the
    // code to close with (1002, 1007 or 1009).
    std::uint16_t code = 0;
    // kError: what was wrong, e.g. "unmasked client frame" (static text).
    std::string_view error;
  };

  // `max_message`: the largest message, whole (all its fragments together).
  explicit WsReader(std::size_t max_message) : max_message_(max_message) {}

  // Gives the reader the bytes just read. They are decoded in place (payloads
  // are unmasked in `input`), so `input` must stay untouched until Next
  // returns kNeedMore or Keep is called. Call only when the previous bytes
  // are used up (Next returned kNeedMore).
  void Feed(std::span<char> input);

  // The next message or control frame. kNeedMore: everything fed is used up
  // (an incomplete frame's bytes are kept for the next Feed). After kError the
  // stream cannot be resynchronised: the reader returns that error again.
  Event Next();

  // Stops decoding for now: copies the bytes not yet decoded into the
  // reader, so that the caller may reuse the buffer it fed. A later Next
  // (without Feed) continues from them.
  void Keep();

  // True when undecoded bytes are kept (after Keep or an incomplete frame).
  bool has_pending() const { return !pending_.empty(); }
  // Bytes of heap memory held (for tests: zero when idle).
  std::size_t held_bytes() const { return HeapBytes(pending_) + HeapBytes(message_); }

 private:
  Event Fail(std::uint16_t code, std::string_view error);
  // Saves input_[pos_..] into pending_ and forgets input_.
  void SaveRest();
  static void Release(std::string& s) { std::string().swap(s); }
  static std::size_t HeapBytes(const std::string& s) {
    return s.capacity() == std::string().capacity() ? 0 : s.capacity();  // not the inline buffer
  }

  const std::size_t max_message_;
  std::span<char> input_;  // the bytes being decoded: fed bytes or pending_
  std::size_t pos_ = 0;    // next undecoded byte of input_
  bool input_is_pending_ = false;
  std::string pending_;  // undecoded bytes kept between reads, from pending_pos_
  std::size_t pending_pos_ = 0;
  std::string message_;             // fragments of the message being reassembled
  bool in_message_ = false;         // a fragmented message is open
  std::size_t message_checked_ = 0;  // bytes of message_ known to be whole UTF-8 code points
  bool message_delivered_ = false;  // message_ was returned by the last Next
  Opcode message_opcode_ = Opcode::kText;
  std::uint16_t failed_code_ = 0;
  std::string_view failed_error_;
};

}  // namespace parley::net::ws
