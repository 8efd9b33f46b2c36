#include "protocol/commands.h"

namespace parley::protocol {

std::optional<Cmd> CmdFromInt(std::int64_t value) {
  if (value < 0 || value > kMaxCmd) return std::nullopt;
  return static_cast<Cmd>(value);
}

const char* CmdName(Cmd cmd) {
  switch (cmd) {
    case Cmd::kHeartbeat: return "heartbeat";
    case Cmd::kLogin: return "login";
    case Cmd::kChat: return "chat";
    case Cmd::kPull: return "pull";
    case Cmd::kAck: return "ack";
    case Cmd::kPush: return "push";
    case Cmd::kSync: return "sync";
    case Cmd::kGroup: return "group";
    case Cmd::kHistory: return "history";
    case Cmd::kConversations: return "conversations";
    case Cmd::kReceipts: return "receipts";
    case Cmd::kTyping: return "typing";
  }
  return "unknown";
}

}  // namespace parley::protocol
