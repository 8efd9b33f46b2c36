#include "protocol/message_events.h"

#include <algorithm>

namespace parley::protocol {
namespace {

EventEffect ApplyEdit(Message& event, Message& target) {
  if (target.recalled) {
    EraseEditContent(event);
    return EventEffect::kNoEffect;
  }
  if (event.seq <= target.edit_seq) return EventEffect::kNoEffect;
  target.content = event.content;
  target.edit_seq = event.seq;
  target.edited_at = event.send_time;
  return EventEffect::kApplied;
}

EventEffect ApplyRecall(Message& target) {
  if (target.recalled) return EventEffect::kNoEffect;
  target.recalled = true;
  target.content.clear();
  target.media.clear();
  target.edit_seq = 0;
  target.edited_at = 0;
  target.reactions.clear();
  return EventEffect::kApplied;
}

EventEffect ApplyReaction(const Message& event, Message& target) {
  if (target.recalled) return EventEffect::kNoEffect;
  auto& reactions = target.reactions;
  auto kind = std::find_if(reactions.begin(), reactions.end(),
                           [&](const Reaction& r) { return r.emoji == event.content; });
  if (event.remove) {
    if (kind == reactions.end()) return EventEffect::kNoEffect;
    auto user = std::lower_bound(kind->users.begin(), kind->users.end(), event.sender_id);
    if (user == kind->users.end() || *user != event.sender_id) return EventEffect::kNoEffect;
    kind->users.erase(user);
    if (kind->users.empty()) reactions.erase(kind);
    return EventEffect::kApplied;
  }
  if (kind != reactions.end()) {
    auto user = std::lower_bound(kind->users.begin(), kind->users.end(), event.sender_id);
    if (user != kind->users.end() && *user == event.sender_id) return EventEffect::kNoEffect;
  }
  std::size_t total = 0;
  for (const Reaction& r : reactions) total += r.users.size();
  if (total >= kMaxReactions) return EventEffect::kLimitReached;
  if (kind == reactions.end()) {
    if (reactions.size() >= kMaxReactionKinds) return EventEffect::kLimitReached;
    reactions.push_back(Reaction{event.content, {event.sender_id}});
    return EventEffect::kApplied;
  }
  kind->users.insert(std::lower_bound(kind->users.begin(), kind->users.end(), event.sender_id),
                     event.sender_id);
  return EventEffect::kApplied;
}

}  // namespace

EventEffect ApplyEvent(Message& event, Message& target) {
  switch (event.msg_type) {
    case kMsgTypeEdit: return ApplyEdit(event, target);
    case kMsgTypeRecall: return ApplyRecall(target);
    case kMsgTypeReaction: return ApplyReaction(event, target);
    default: return EventEffect::kNoEffect;
  }
}

void EraseEditContent(Message& edit) { edit.content.clear(); }

}  // namespace parley::protocol
