#include "net/ws_frame.h"

#include <algorithm>
#include <cstring>

#include "base/utf8.h"

namespace parley::net::ws {
namespace {

using Kind = WsReader::Event::Kind;

bool IsKnownOpcode(std::uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

// RFC 6455 7.4: codes a peer may send (1004-1006 and 1015 are reserved for
// local use, 1016-2999 for future standards).
bool IsValidCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013) ||
         (code >= 3000 && code <= 4999);
}

std::uint64_t BigEndian(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void Unmask(char* data, std::size_t size, const char* key) {
  for (std::size_t i = 0; i < size; ++i) data[i] ^= key[i & 3];
}

// Cuts `text` to at most `max` bytes without splitting a UTF-8 character.
std::string_view CutUtf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace

FrameHeader EncodeFrameHeader(Opcode opcode, std::size_t payload_size) {
  FrameHeader h;
  h.bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload_size < 126) {
    h.bytes[1] = static_cast<char>(payload_size);
    h.size = 2;
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<char>(payload_size >> 8);
    h.bytes[3] = static_cast<char>(payload_size);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      h.bytes[2 + i] = static_cast<char>(static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i));
    }
    h.size = 10;
  }
  return h;
}

std::string EncodeControlFrame(Opcode opcode, std::string_view payload) {
  payload = payload.substr(0, kMaxControlPayload);
  std::string frame(EncodeFrameHeader(opcode, payload.size()).view());
  frame += payload;
  return frame;
}

std::string EncodeCloseFrame(std::uint16_t code, std::string_view reason) {
  if (code == kCloseNoStatus) return EncodeControlFrame(Opcode::kClose, {});
  std::string body;
  body += static_cast<char>(code >> 8);
  body += static_cast<char>(code & 0xFF);
  body += CutUtf8(reason, kMaxCloseReason);
  return EncodeControlFrame(Opcode::kClose, body);
}

void WsReader::Feed(std::span<char> input) {
  if (!pending_.empty()) {
    pending_.erase(0, pending_pos_);
    pending_pos_ = 0;
    pending_.append(input.data(), input.size());
    input_ = {pending_.data(), pending_.size()};
    input_is_pending_ = true;
  } else {
    input_ = input;
    input_is_pending_ = false;
  }
  pos_ = 0;
}

void WsReader::Keep() {
  if (!input_.empty()) SaveRest();
}

// From pending_ only the start offset moves, so that decoding a long run of
// kept messages one Keep at a time copies nothing.
void WsReader::SaveRest() {
  if (input_is_pending_) {
    pending_pos_ += pos_;
  } else {
    pending_.assign(input_.data() + pos_, input_.size() - pos_);
    pending_pos_ = 0;
  }
  if (pending_pos_ == pending_.size()) {
    Release(pending_);
    pending_pos_ = 0;
  }
  input_ = {};
  pos_ = 0;
  input_is_pending_ = false;
}

WsReader::Event WsReader::Fail(std::uint16_t code, std::string_view error) {
  failed_code_ = code;
  failed_error_ = error;
  Release(pending_);
  pending_pos_ = 0;
  Release(message_);
  message_checked_ = 0;
  input_ = {};
  pos_ = 0;
  return {Kind::kError, {}, code, error};
}

WsReader::Event WsReader::Next() {
  if (failed_code_ != 0) return {Kind::kError, {}, failed_code_, failed_error_};
  if (message_delivered_) {
    message_delivered_ = false;
    Release(message_);
  }
  if (input_.empty() && !pending_.empty()) {  // resuming after Keep
    input_ = {pending_.data() + pending_pos_, pending_.size() - pending_pos_};
    input_is_pending_ = true;
    pos_ = 0;
  }
  for (;;) {
    char* const p = input_.data() + pos_;
    const std::size_t available = input_.size() - pos_;
    if (available < 2) break;
    const auto b0 = static_cast<std::uint8_t>(p[0]);
    const auto b1 = static_cast<std::uint8_t>(p[1]);
    const bool fin = (b0 & 0x80) != 0;
    const std::uint8_t op = b0 & 0x0F;
    const bool control = (op & 0x8) != 0;
    const std::uint8_t len7 = b1 & 0x7F;
    // Everything the first two bytes tell is checked before waiting for more.
    if ((b0 & 0x70) != 0) return Fail(kCloseProtocolError, "reserved bits set");
    if (!IsKnownOpcode(op)) return Fail(kCloseProtocolError, "unknown opcode");
    if ((b1 & 0x80) == 0) return Fail(kCloseProtocolError, "unmasked client frame");
    if (control && !fin) return Fail(kCloseProtocolError, "fragmented control frame");
    if (control && len7 > kMaxControlPayload) {
      return Fail(kCloseProtocolError, "control frame too long");
    }
    if (op == 0 && !in_message_) return Fail(kCloseProtocolError, "continuation without a message");
    if ((op == 1 || op == 2) && in_message_) {
      return Fail(kCloseProtocolError, "new message inside a fragmented one");
    }
    const int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t header = 2 + ext + 4;
    if (available < 2 + static_cast<std::size_t>(ext)) break;
    const std::uint64_t length = ext == 0 ? len7 : BigEndian(p + 2, ext);
    if ((ext == 2 && length < 126) || (ext == 8 && length <= 0xFFFF)) {
      return Fail(kCloseProtocolError, "length not minimally encoded");
    }
    if (!control && length > max_message_ - (in_message_ ? message_.size() : 0)) {
      return Fail(kCloseTooBig, "message too big");
    }
    if (available < header + length) break;

    char* const payload = p + header;
    Unmask(payload, length, p + header - 4);
    pos_ += header + length;
    const std::string_view data(payload, length);

    if (control) {
      const auto kind = static_cast<Opcode>(op);
      if (kind == Opcode::kPing) return {Kind::kPing, data, 0, {}};
      if (kind == Opcode::kPong) return {Kind::kPong, data, 0, {}};
      // Close.
      if (data.size() == 1) return Fail(kCloseProtocolError, "close frame of one byte");
      if (data.empty()) return {Kind::kClose, {}, kCloseNoStatus, {}};
      const auto code = static_cast<std::uint16_t>(BigEndian(data.data(), 2));
      if (!IsValidCloseCode(code)) return Fail(kCloseProtocolError, "invalid close code");
      if (!base::IsValidUtf8(data.substr(2))) {
        return Fail(kCloseInvalidPayload, "close reason is not UTF-8");
      }
      return {Kind::kClose, data.substr(2), code, {}};
    }

    if (op != 0) message_opcode_ = static_cast<Opcode>(op);
    const bool text = message_opcode_ == Opcode::kText;
    std::string_view message = data;
    std::string_view unchecked = data;  // of message, the bytes whose UTF-8 is yet to check
    if (!fin || in_message_) {
      message_.append(data);
      if (!fin) {
        in_message_ = true;
        // Fail fast: text is checked fragment by fragment, a code point cut
        // by the fragment's end waiting for the next one.
        if (text) {
          const base::Utf8Scan scan = base::ScanUtf8(std::string_view(message_).substr(message_checked_));
          if (scan.status == base::Utf8Scan::Status::kInvalid) {
            return Fail(kCloseInvalidPayload, "text message is not UTF-8");
          }
          message_checked_ += scan.complete;
        }
        continue;
      }
      in_message_ = false;
      message_delivered_ = true;
      message = message_;
      unchecked = message.substr(message_checked_);
      message_checked_ = 0;
    }
    if (!text) return {Kind::kBinary, message, 0, {}};
    if (!base::IsValidUtf8(unchecked)) return Fail(kCloseInvalidPayload, "text message is not UTF-8");
    return {Kind::kText, message, 0, {}};
  }
  SaveRest();
  return {};
}

}  // namespace parley::net::ws
