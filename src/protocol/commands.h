#pragma once
// Command numbers of the wire protocol (docs/protocol.md "Commands").

#include <cstdint>
#include <optional>

namespace parley::protocol {

enum class Cmd : std::uint16_t {
  kHeartbeat = 0,
  kLogin = 1,
  kChat = 2,
  kPull = 3,
  kAck = 4,
  kPush = 5,
  kSync = 6,
  kGroup = 7,
  kHistory = 8,
  kConversations = 9,
  kTyping = 10,
  kReceipts = 11,
};

inline constexpr std::uint16_t kMaxCmd = 11;

std::optional<Cmd> CmdFromInt(std::int64_t value);
const char* CmdName(Cmd cmd);

}  // namespace parley::protocol
