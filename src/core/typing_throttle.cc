#include "core/typing_throttle.h"

#include <algorithm>
#include <functional>

namespace parley::core {
namespace {

// base::Clock is wall time: a step back must not silence a conversation
// until the clock catches up, so a time "before" the mark counts as long ago.
bool Within(std::int64_t since_ms, std::int64_t now_ms) {
  return now_ms >= since_ms && now_ms - since_ms < TypingThrottle::kInterval.count();
}

}  // namespace

bool TypingThrottle::Live(const Entry& entry, std::int64_t now_ms) {
  return Within(entry.last_forward_ms, now_ms);
}

TypingVerdict TypingThrottle::Admit(std::string_view conversation_id, protocol::TypingState state,
                                    std::int64_t now_ms) {
  const std::uint64_t key = std::hash<std::string_view>{}(conversation_id);
  auto entry = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return e.key == key && Live(e, now_ms); });
  if (entry != entries_.end()) {
    const bool repeat = state == protocol::TypingState::kTyping
                            ? entry->last_typing_ms && Within(*entry->last_typing_ms, now_ms)
                            : entry->forwarded == protocol::TypingState::kStopped;
    if (repeat) return TypingVerdict::kDrop;
  } else {
    // Nothing live for this conversation: the packet is news. It needs a
    // slot, an expired one first.
    entry = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return !Live(e, now_ms); });
    if (entry == entries_.end()) {
      if (entries_.size() >= kMaxConversations) return TypingVerdict::kDrop;
      entry = entries_.emplace(entries_.end());
    }
    *entry = Entry{};
    entry->key = key;
  }
  entry->last_forward_ms = now_ms;
  entry->forwarded = state;
  if (state == protocol::TypingState::kTyping) entry->last_typing_ms = now_ms;
  return TypingVerdict::kForward;
}

}  // namespace parley::core
