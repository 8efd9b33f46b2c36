#include "protocol/requests.h"

#include "protocol/packet.h"

namespace parley::protocol {
namespace json = boost::json;

base::Result<LoginRequest> ParseLogin(const json::object& body) {
  LoginRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto token, OptionalString(body, "token"));
  if (token) {
    r.token = *token;
    return r;
  }
  PARLEY_ASSIGN_OR_RETURN(auto user_id, RequiredString(body, "user_id"));
  PARLEY_ASSIGN_OR_RETURN(auto password, RequiredString(body, "password"));
  r.user_id = user_id;
  r.password = password;
  return r;
}

base::Result<ChatRequest> ParseChat(const json::object& body) {
  ChatRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto msg_id, RequiredString(body, "msg_id"));
  PARLEY_ASSIGN_OR_RETURN(auto conv, OptionalString(body, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(auto to, OptionalString(body, "to"));
  if (!conv && !to) {
    return base::MakeError(base::Code::kBadRequest, "one of 'conversation_id' or 'to' is required");
  }
  PARLEY_ASSIGN_OR_RETURN(const json::object* payload, RequiredObject(body, "payload"));
  PARLEY_ASSIGN_OR_RETURN(auto content, RequiredString(*payload, "content"));
  PARLEY_ASSIGN_OR_RETURN(r.msg_type, OptionalInt(*payload, "msg_type", 1));
  PARLEY_ASSIGN_OR_RETURN(r.reply_to, OptionalInt(*payload, "reply_to", 0));
  PARLEY_ASSIGN_OR_RETURN(r.target_seq, OptionalInt(*payload, "target_seq", 0));
  if (const json::value* remove = payload->if_contains("remove")) {
    if (!remove->is_bool()) {
      return base::MakeError(base::Code::kBadRequest, "'payload.remove' must be a boolean");
    }
    r.remove = remove->get_bool();
  }
  r.msg_id = msg_id;
  if (conv) r.conversation_id = *conv;
  if (to) r.to = *to;
  r.content = content;
  return r;
}

base::Result<PullRequest> ParsePull(const json::object& body) {
  PullRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(body, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(r.cursor_seq, OptionalInt(body, "cursor_seq", 0));
  PARLEY_ASSIGN_OR_RETURN(r.limit, OptionalInt(body, "limit", 0));
  r.conversation_id = conv;
  return r;
}

base::Result<AckRequest> ParseAck(const json::object& body) {
  AckRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(body, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(r.seq, RequiredInt(body, "seq"));
  PARLEY_ASSIGN_OR_RETURN(auto kind, OptionalString(body, "kind"));
  if (kind && *kind == "delivered") {
    r.kind = AckKind::kDelivered;
  } else if (kind && *kind != "read") {
    return base::MakeError(base::Code::kBadRequest, "'kind' must be \"read\" or \"delivered\"");
  }
  r.conversation_id = conv;
  return r;
}

base::Result<ReceiptsRequest> ParseReceipts(const json::object& body) {
  ReceiptsRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(body, "conversation_id"));
  r.conversation_id = conv;
  return r;
}

base::Result<HistoryRequest> ParseHistory(const json::object& body) {
  HistoryRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto conv, RequiredString(body, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(r.before_seq, OptionalInt(body, "before_seq", 0));
  PARLEY_ASSIGN_OR_RETURN(r.limit, OptionalInt(body, "limit", 0));
  r.conversation_id = conv;
  return r;
}

base::Result<SyncRequest> ParseSync(const json::object& body) {
  SyncRequest r;
  PARLEY_ASSIGN_OR_RETURN(r.inbox_seq, OptionalInt(body, "inbox_seq", 0));
  PARLEY_ASSIGN_OR_RETURN(r.limit, OptionalInt(body, "limit", 0));
  if (body.contains("groups_since")) {
    PARLEY_ASSIGN_OR_RETURN(r.groups_since, OptionalInt(body, "groups_since", 0));
  }
  return r;
}

base::Result<ConversationsRequest> ParseConversations(const json::object& body) {
  ConversationsRequest r;
  PARLEY_ASSIGN_OR_RETURN(r.limit, OptionalInt(body, "limit", 0));
  PARLEY_ASSIGN_OR_RETURN(auto cursor, OptionalString(body, "cursor"));
  if (cursor) r.cursor = *cursor;
  return r;
}

base::Result<TypingRequest> ParseTyping(const json::object& body) {
  TypingRequest r;
  PARLEY_ASSIGN_OR_RETURN(auto conv, OptionalString(body, "conversation_id"));
  PARLEY_ASSIGN_OR_RETURN(auto to, OptionalString(body, "to"));
  if (!conv && !to) {
    return base::MakeError(base::Code::kBadRequest, "one of 'conversation_id' or 'to' is required");
  }
  PARLEY_ASSIGN_OR_RETURN(bool typing, RequiredBool(body, "typing"));
  if (conv) r.conversation_id = *conv;
  if (to) r.to = *to;
  r.state = typing ? TypingState::kTyping : TypingState::kStopped;
  return r;
}

}  // namespace parley::protocol
