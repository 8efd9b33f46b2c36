#include "core/event_checks.h"

#include <string>

#include "protocol/message_events.h"

namespace parley::core {
namespace {

base::Error Refused(base::Code code, std::string message) {
  return base::MakeError(code, std::move(message));
}

std::string Duration(std::chrono::milliseconds d) {
  using namespace std::chrono;
  if (d % hours(1) == milliseconds(0)) return std::to_string(d / hours(1)) + " h";
  if (d % minutes(1) == milliseconds(0)) return std::to_string(d / minutes(1)) + " min";
  return std::to_string(d / seconds(1)) + " s";
}

bool WithinWindow(const protocol::Message& target, std::int64_t now_ms,
                  std::chrono::milliseconds window) {
  return now_ms - target.send_time <= window.count();
}

base::Result<void> CheckEdit(const protocol::ChatRequest& chat, const Caller& caller,
                             const protocol::Message& target, std::int64_t now_ms,
                             const EventWindows& windows) {
  if (target.sender_id != caller.user_id) {
    return Refused(base::Code::kForbidden, "only the sender may edit a message");
  }
  if (target.recalled) return Refused(base::Code::kConflict, "the message was recalled");
  if (chat.content.empty()) return Refused(base::Code::kBadRequest, "an edit needs content");
  if (!WithinWindow(target, now_ms, windows.edit)) {
    return Refused(base::Code::kForbidden,
                   "messages can be edited for " + Duration(windows.edit) + " after sending");
  }
  return {};
}

base::Result<void> CheckRecall(const protocol::ChatRequest& chat, const Caller& caller,
                               const ConversationTarget& conversation,
                               const protocol::Message& target, std::int64_t now_ms,
                               const EventWindows& windows) {
  if (!chat.content.empty()) {
    return Refused(base::Code::kBadRequest, "a recall carries no content");
  }
  const bool moderator = conversation.is_group && conversation.role != GroupRole::kMember;
  const bool sender = target.sender_id == caller.user_id;
  if (!moderator && !sender) {
    return Refused(base::Code::kForbidden,
                   "only the sender, or a group's owner or admins, may recall a message");
  }
  if (moderator || target.recalled) return {};
  if (!WithinWindow(target, now_ms, windows.recall)) {
    return Refused(base::Code::kForbidden,
                   "messages can be recalled for " + Duration(windows.recall) + " after sending");
  }
  return {};
}

base::Result<void> CheckReaction(const protocol::ChatRequest& chat, const Caller& caller,
                                 const protocol::Message& target) {
  if (chat.content.empty() || chat.content.size() > protocol::kMaxReactionBytes) {
    return Refused(base::Code::kBadRequest, "a reaction is one emoji of 1-" +
                                                std::to_string(protocol::kMaxReactionBytes) +
                                                " bytes");
  }
  if (target.recalled) return Refused(base::Code::kConflict, "the message was recalled");
  protocol::Message event;
  event.msg_type = protocol::kMsgTypeReaction;
  event.sender_id = caller.user_id;
  event.content = chat.content;
  event.remove = chat.remove;
  protocol::Message copy = target;
  if (protocol::ApplyEvent(event, copy) == protocol::EventEffect::kLimitReached) {
    return Refused(base::Code::kConflict,
                   "a message holds at most " + std::to_string(protocol::kMaxReactionKinds) +
                       " kinds of reaction and " + std::to_string(protocol::kMaxReactions) +
                       " reactions");
  }
  return {};
}

}  // namespace

base::Result<void> CheckEventFields(const protocol::ChatRequest& chat) {
  if (!protocol::IsEvent(chat.msg_type)) {
    if (chat.target_seq != 0 || chat.remove) {
      return Refused(base::Code::kBadRequest,
                     "target_seq and remove are for edits, recalls and reactions (msg_type "
                     "101-103)");
    }
    return {};
  }
  if (chat.target_seq <= 0) {
    return Refused(base::Code::kBadRequest, "an edit, recall or reaction needs target_seq (>= 1)");
  }
  if (chat.reply_to != 0) {
    return Refused(base::Code::kBadRequest, "an edit, recall or reaction is not a reply");
  }
  if (chat.remove && chat.msg_type != protocol::kMsgTypeReaction) {
    return Refused(base::Code::kBadRequest, "remove is for reactions (msg_type 103)");
  }
  return {};
}

base::Result<void> CheckEvent(const protocol::ChatRequest& chat, const Caller& caller,
                              const ConversationTarget& conversation,
                              const protocol::Message& target, std::int64_t now_ms,
                              const EventWindows& windows) {
  switch (chat.msg_type) {
    case protocol::kMsgTypeEdit: return CheckEdit(chat, caller, target, now_ms, windows);
    case protocol::kMsgTypeRecall:
      return CheckRecall(chat, caller, conversation, target, now_ms, windows);
    case protocol::kMsgTypeReaction: return CheckReaction(chat, caller, target);
    default: return Refused(base::Code::kBadRequest, "not an event");
  }
}

}  // namespace parley::core
