#pragma once
// Typed views of the request bodies of docs/protocol.md "Commands". Parsing checks
// presence and JSON types only (400 on failure); meaning (limits, membership)
// is the core's business.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "protocol/typing.h"

namespace parley::protocol {

struct LoginRequest {
  std::string token;     // either a token ...
  std::string user_id;   // ... or user_id + password
  std::string password;
};

struct ChatRequest {
  std::string msg_id;
  std::string conversation_id;  // empty when `to` names the peer of a 1:1
  std::string to;
  std::string content;
  std::int64_t msg_type = 1;
  std::int64_t reply_to = 0;  // payload.reply_to; 0: not a reply
  std::int64_t target_seq = 0;  // payload.target_seq: the message an event changes
  bool remove = false;          // payload.remove: a reaction taken back
};

struct PullRequest {
  std::string conversation_id;
  std::int64_t cursor_seq = 0;  // returns messages with seq > cursor_seq
  std::int64_t limit = 0;       // 0: server default
};

// What an ACK's position says (its "kind"): the user has read up to the seq
// (the default; it clears unread), or its device has received up to it.
enum class AckKind { kRead, kDelivered };

struct AckRequest {
  std::string conversation_id;
  std::int64_t seq = 0;
  AckKind kind = AckKind::kRead;
};

struct ReceiptsRequest {
  std::string conversation_id;
};

struct HistoryRequest {
  std::string conversation_id;
  std::int64_t before_seq = 0;  // 0: from the newest message
  std::int64_t limit = 0;
};

struct SyncRequest {
  std::int64_t inbox_seq = 0;
  std::int64_t limit = 0;
  // The previous SYNC's next_groups_since: list only the groups with a
  // message since then. Absent: every group (up to a cap).
  std::optional<std::int64_t> groups_since;
};

struct ConversationsRequest {
  std::int64_t limit = 0;  // 0: the default page
  std::string cursor;      // the previous page's next_cursor; empty: the first page
};

// TYPING: into a conversation, or (like CHAT) a 1:1 named by the peer.
struct TypingRequest {
  std::string conversation_id;  // empty when `to` names the peer of a 1:1
  std::string to;
  TypingState state = TypingState::kStopped;
};

base::Result<LoginRequest> ParseLogin(const boost::json::object& body);
base::Result<ChatRequest> ParseChat(const boost::json::object& body);
base::Result<PullRequest> ParsePull(const boost::json::object& body);
base::Result<AckRequest> ParseAck(const boost::json::object& body);
base::Result<ReceiptsRequest> ParseReceipts(const boost::json::object& body);
base::Result<HistoryRequest> ParseHistory(const boost::json::object& body);
base::Result<SyncRequest> ParseSync(const boost::json::object& body);
base::Result<ConversationsRequest> ParseConversations(const boost::json::object& body);
base::Result<TypingRequest> ParseTyping(const boost::json::object& body);

}  // namespace parley::protocol
