#pragma once
// How an event (edit 101, recall 102, reaction 103) changes its target: the
// one home of the rule. The core applies it to a copy before Append, to
// refuse what would not apply; both stores apply it to the stored target in
// the same batch as the event (docs/protocol.md "Edits, recalls and
// reactions"). Events on one target are applied in seq order per store
// batch; an edit only wins over an older one (edit_seq), so two gateways
// committing edits out of order still leave the newest content.

#include <cstddef>

#include "protocol/message.h"

namespace parley::protocol {

// Bounds of a message's reaction aggregate, so a row never grows without
// limit however large the group.
inline constexpr std::size_t kMaxReactionKinds = 20;    // distinct emoji per message
inline constexpr std::size_t kMaxReactions = 1000;      // (user, emoji) pairs per message
inline constexpr std::size_t kMaxReactionBytes = 32;    // one emoji's UTF-8 bytes

enum class EventEffect {
  kApplied,        // the target changed
  kNoEffect,       // nothing to change: the target was recalled, an edit is older
                   // than the content shown, a reaction is already there or not
  kLimitReached,   // the reaction aggregate is full (kMaxReactionKinds / kMaxReactions)
};

// Applies `event` (IsEvent(msg_type), seq and send_time set) to `target`, the
// message at event.target_seq. An edit of a recalled target also blanks the
// event's own content: the recall erased what was said, and the edit must
// not keep a copy.
EventEffect ApplyEvent(Message& event, Message& target);

// A recall erases the target's content; the edits of that target (msg_type
// 101 with target_seq = its seq) must lose theirs too. Blanks one of them.
void EraseEditContent(Message& edit);

}  // namespace parley::protocol
