#pragma once
// The client's side of docs/protocol.md "Commands": request bodies it builds and the
// typed replies it parses. Pure code: no I/O, no threads.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "protocol/commands.h"
#include "protocol/message.h"
#include "protocol/requests.h"
#include "protocol/typing.h"

namespace parley::client {

struct LoginReply {
  std::string user_id;
  std::string token;
};

// A message to send: to a user (1:1) or into a conversation (exactly one).
struct Outgoing {
  std::string to;
  std::string conversation_id;
  std::string content;
  std::string msg_id;  // empty: the client picks a fresh one
  std::int64_t msg_type = protocol::kMsgTypeText;
  std::int64_t reply_to = 0;  // the seq this message answers; 0: none
  // Events (msg_type 101 edit, 102 recall, 103 reaction): the seq they change;
  // remove: a reaction taken back.
  std::int64_t target_seq = 0;
  bool remove = false;
};

struct SendAck {
  std::string msg_id;
  std::string conversation_id;
  std::int64_t seq = 0;
};

struct PullPage {
  std::vector<protocol::Message> messages;  // ascending seq
  // Seqs that hold no message and never will (docs/protocol.md "Holes").
  std::vector<std::int64_t> holes;
  std::int64_t next_cursor_seq = 0;
  bool has_more = false;
};

struct ConversationInfo {
  std::string conversation_id;
  std::int64_t max_seq = 0;
  std::int64_t last_ack_seq = 0;
  std::int64_t unread = 0;
  std::optional<protocol::Message> last_message;
};

// One SYNC inbox entry: a message of a write-diffusion conversation.
struct InboxEntry {
  std::int64_t inbox_seq = 0;
  protocol::Message message;
};

// A SYNC answer. `expired`: the cursor is older than the server keeps the
// inbox; `entries` is empty and `next_inbox_seq` is the newest inbox_seq.
// `conversations` lists the user's group conversations with their max_seq
// (read-diffusion messages are not in the inbox).
struct SyncPage {
  std::vector<InboxEntry> entries;  // ascending inbox_seq
  // Inbox entries whose seq holds no message and never will.
  std::vector<protocol::HoleMarker> holes;
  std::int64_t next_inbox_seq = 0;
  bool has_more = false;
  bool expired = false;
  std::vector<ConversationInfo> conversations;
  // More groups moved than one SYNC lists: CONVERSATIONS has the rest.
  bool conversations_truncated = false;
  // What the next SYNC sends as groups_since (absent from older servers).
  std::optional<std::int64_t> next_groups_since;
};

// CONVERSATIONS pages the client library asks for (the server caps a page
// at 200), and how many pages one listing may take at most.
inline constexpr std::int64_t kConversationPage = 200;
inline constexpr int kMaxConversationPages = 10'000;

// A CONVERSATIONS answer: one page, most recent first. Older servers answer
// everything at once (has_more false).
struct ConversationPage {
  std::vector<ConversationInfo> conversations;
  bool has_more = false;
  std::string next_cursor;  // the next request's cursor
};

// {"cmd":4,"event":"ack",...} without req_id: another device of this user
// acknowledged up to `last_ack_seq`.
struct AckNotice {
  std::string conversation_id;
  std::int64_t last_ack_seq = 0;
};

// {"cmd":4,"event":"read"|"delivered",...}: another member of the
// conversation read or received up to `seq` (docs/protocol.md "Receipts").
struct ReceiptNotice {
  std::string conversation_id;
  std::string user_id;
  protocol::AckKind kind = protocol::AckKind::kRead;
  std::int64_t seq = 0;
};

// One member's positions in a RECEIPTS answer.
struct MemberReceipt {
  std::string user_id;
  std::int64_t read_seq = 0;
  std::int64_t delivered_seq = 0;
};

// Request bodies; each carries its "cmd".
boost::json::object LoginBody(std::string_view user_id, std::string_view password);
boost::json::object TokenLoginBody(std::string_view token);
boost::json::object ChatBody(const Outgoing& m);  // m.msg_id must be set
boost::json::object PullBody(std::string_view conversation_id, std::int64_t cursor_seq,
                             std::int64_t limit);
boost::json::object HistoryBody(std::string_view conversation_id, std::int64_t before_seq,
                                std::int64_t limit);
boost::json::object AckBody(std::string_view conversation_id, std::int64_t seq,
                            protocol::AckKind kind = protocol::AckKind::kRead);
boost::json::object ReceiptsBody(std::string_view conversation_id);
boost::json::object SyncBody(std::int64_t inbox_seq, std::int64_t limit,
                             std::optional<std::int64_t> groups_since);
boost::json::object ConversationsBody(std::string_view cursor, std::int64_t limit);
// TYPING into a conversation (docs/protocol.md "TYPING"). Without "req_id"
// the server answers only errors.
boost::json::object TypingBody(std::string_view conversation_id, protocol::TypingState state);
boost::json::object CmdBody(protocol::Cmd cmd);

// The error an answer carries ("code" other than 0), or nullopt for success.
std::optional<base::Error> ErrorOf(const boost::json::object& response);
// The integer "req_id" of a packet, if any.
std::optional<std::int64_t> ReqIdOf(const boost::json::object& packet);

// Parsers of successful answers. Errors: 500 for a malformed answer.
base::Result<LoginReply> ParseLoginReply(const boost::json::object& response);
base::Result<SendAck> ParseSendAck(const boost::json::object& response);
base::Result<PullPage> ParsePullPage(const boost::json::object& response);
// HISTORY's "payload": newest first, as the server sends it, without hole
// markers (a reader scrolling back has no gap to close).
base::Result<std::vector<protocol::Message>> ParseHistory(const boost::json::object& response);
base::Result<ConversationPage> ParseConversationPage(const boost::json::object& response);
base::Result<SyncPage> ParseSyncPage(const boost::json::object& response);
// PUSH's "payload".
base::Result<protocol::Message> ParsePush(const boost::json::object& packet);
// The ack notice a packet carries, if it is one.
std::optional<AckNotice> ParseAckNotice(const boost::json::object& packet);
std::optional<ReceiptNotice> ParseReceiptNotice(const boost::json::object& packet);
base::Result<std::vector<MemberReceipt>> ParseReceipts(const boost::json::object& answer);

}  // namespace parley::client
