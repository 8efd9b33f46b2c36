#pragma once
// TypingThrottle: which TYPING packets of one connection are forwarded
// (docs/protocol.md "TYPING"). A client may send one per keystroke; the
// other members need to hear of a change, not of every key:
//
//   typing   forwarded unless a typing of the same conversation was
//            forwarded less than kInterval ago
//   stopped  forwarded unless the last state forwarded was stopped
//
// so each conversation costs its members at most two events per kInterval,
// whatever the client sends. The rest is dropped silently.
//
// Memory is bounded: an entry per conversation, forgotten kInterval after
// the last packet it forwarded (by then the members' own timeout hides a
// stale "typing"), and at most kMaxConversations live entries. A packet for
// yet another conversation while all of them are live is dropped: nobody
// types in more than 16 conversations within 2 s, and a flood over many
// conversations must not evict its way around the limit.
//
// Threads: none of its own; it belongs to one connection
// (core::ConnectionState) and is used on that connection's executor.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/typing.h"

namespace parley::core {

enum class TypingVerdict { kForward, kDrop };

class TypingThrottle {
 public:
  static constexpr std::chrono::milliseconds kInterval{2000};
  static constexpr std::size_t kMaxConversations = 16;

  // Whether a packet saying `state` in `conversation_id` (canonical) at
  // `now_ms` (base::Clock) is forwarded; a forwarded one is recorded.
  TypingVerdict Admit(std::string_view conversation_id, protocol::TypingState state,
                      std::int64_t now_ms);

 private:
  struct Entry {
    // A hash of the conversation id, not the id: 8 bytes instead of up to
    // ~140 per entry in every connection that types. Two conversations that
    // collide only share a budget.
    std::uint64_t key = 0;
    std::int64_t last_forward_ms = 0;
    std::optional<std::int64_t> last_typing_ms;  // the last forwarded kTyping
    protocol::TypingState forwarded = protocol::TypingState::kStopped;
  };
  static bool Live(const Entry& entry, std::int64_t now_ms);

  std::vector<Entry> entries_;  // empty (no allocation) until the connection types
};

}  // namespace parley::core
