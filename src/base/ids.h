#pragma once
// User and conversation identifiers (docs/protocol.md "Conversation ids").

#include <optional>
#include <string>
#include <string_view>

namespace parley::base {

inline constexpr std::size_t kMaxUserIdLength = 64;
inline constexpr std::size_t kMaxMsgIdLength = 128;

// 1-64 chars of [A-Za-z0-9_.-].
bool IsValidUserId(std::string_view user_id);

// msg_id: 1-128 printable ASCII characters, chosen by the client.
bool IsValidMsgId(std::string_view msg_id);

// "private_<a>_<b>" with the two ids in byte order. Both must be valid ids.
std::string PrivateConversationId(std::string_view a, std::string_view b);

std::string GroupConversationId(std::string_view group_id);

enum class ConversationKind { kPrivate, kGroup };

struct ConversationRef {
  ConversationKind kind;
  std::string first;   // private: the smaller user id; group: the group id
  std::string second;  // private: the larger user id; group: empty
};

// Parses a conversation id. User ids may contain '_', so a private id is split
// at every '_' until both halves are valid ids in byte order; the split is
// unique because the canonical form is what PrivateConversationId produces.
std::optional<ConversationRef> ParseConversationId(std::string_view conversation_id);

}  // namespace parley::base
