#pragma once
// Typed views of the request bodies of docs/protocol.md "Commands". Parsing checks
// presence and JSON types only (400 on failure); meaning (limits, membership)
// is the core's business.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

#include "base/error.h"

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
};

struct PullRequest {
  std::string conversation_id;
  std::int64_t cursor_seq = 0;  // returns messages with seq > cursor_seq
  std::int64_t limit = 0;       // 0: server default
};

struct AckRequest {
  std::string conversation_id;
  std::int64_t seq = 0;
};

struct HistoryRequest {
  std::string conversation_id;
  std::int64_t before_seq = 0;  // 0: from the newest message
  std::int64_t limit = 0;
};

struct SyncRequest {
  std::int64_t inbox_seq = 0;
  std::int64_t limit = 0;
};

base::Result<LoginRequest> ParseLogin(const boost::json::object& body);
base::Result<ChatRequest> ParseChat(const boost::json::object& body);
base::Result<PullRequest> ParsePull(const boost::json::object& body);
base::Result<AckRequest> ParseAck(const boost::json::object& body);
base::Result<HistoryRequest> ParseHistory(const boost::json::object& body);
base::Result<SyncRequest> ParseSync(const boost::json::object& body);

}  // namespace parley::protocol
