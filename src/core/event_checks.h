#pragma once
// Who may edit, recall and react, and when (docs/protocol.md "Edits, recalls
// and reactions"): the checks of an event CHAT (msg_type 101-103) against
// its target as the caller read it, before Append. How the event then
// changes the stored target is protocol/message_events.h, applied by the
// store in the event's batch.
//
// A retry of an event that was stored must pass again, so that Append
// answers it as a duplicate: a recall of a recalled message is let through
// for those who may recall it (the store then changes nothing), whatever the
// window.
//
// Threads: pure functions.

#include <chrono>
#include <cstdint>

#include "base/error.h"
#include "core/caller.h"
#include "core/conversation_access.h"
#include "protocol/message.h"
#include "protocol/requests.h"

namespace parley::core {

struct EventWindows {
  std::chrono::milliseconds edit{std::chrono::hours(24)};   // --edit-window
  std::chrono::milliseconds recall{std::chrono::minutes(2)};  // --recall-window
};

// The fields of a CHAT that only events carry (target_seq, remove) appear
// only on events, and events carry no reply_to. 400 otherwise.
base::Result<void> CheckEventFields(const protocol::ChatRequest& chat);

// `target` is the stored message at chat.target_seq, readable by the caller
// and not itself a system message or an event. 403 for a caller who may
// not, or whose window has passed; 409 for a recalled target (edit,
// reaction) or a full reaction aggregate; 400 for bad content.
base::Result<void> CheckEvent(const protocol::ChatRequest& chat, const Caller& caller,
                              const ConversationTarget& conversation,
                              const protocol::Message& target, std::int64_t now_ms,
                              const EventWindows& windows);

}  // namespace parley::core
