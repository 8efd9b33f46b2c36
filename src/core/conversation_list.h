#pragma once
// A user's conversations as CONVERSATIONS and SYNC list them: most recent
// activity first (then by id), in pages that a cursor continues, each item
// with its unread count. Pure: no I/O.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.h"
#include "protocol/message.h"

namespace parley::core {

struct ListedConversation {
  ConversationState state;
  std::optional<protocol::Message> last;  // the last message, parsed
  std::int64_t last_time = 0;             // its send_time; 0 when there is none
};

// `states` ordered by last_time descending, then conversation id ascending.
std::vector<ListedConversation> ByRecency(std::vector<ConversationState> states);

// A page cursor: the position of the last item a page returned. Opaque to
// clients ("<last_time>:<conversation_id>"); nullopt for a malformed one.
std::string EncodeCursor(const ListedConversation& item);
struct ListCursor {
  std::int64_t last_time = 0;
  std::string conversation_id;
};
std::optional<ListCursor> DecodeCursor(std::string_view cursor);

// The first item of `sorted` that comes after `cursor` in ByRecency's order.
std::size_t FirstAfter(const std::vector<ListedConversation>& sorted, const ListCursor& cursor);

// {"conversation_id","max_seq","last_ack_seq","unread"}: what SYNC lists.
boost::json::object PositionJson(const ListedConversation& item);
// PositionJson plus "last_message" (the message object or null): what
// CONVERSATIONS lists.
boost::json::object SummaryJson(const ListedConversation& item);

}  // namespace parley::core
