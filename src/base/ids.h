#pragma once
// User and conversation identifiers (docs/protocol.md "Conversation ids").
//
// A private conversation is "private_<a>:<b>", the two user ids in byte
// order. ':' is outside the user-id alphabet, so every pair of valid ids has
// exactly one id and every id names exactly one pair ("alice" + "bob_smith"
// and "alice_bob" + "smith" are two conversations). Versions before this one
// wrote "private_<a>_<b>", which is ambiguous when a name holds '_'; such a
// legacy id is still understood when it has exactly one reading (see
// CanonicalConversationId), and stores written with it are migrated on open
// (docs/architecture.md, "Conversation ids").

#include <optional>
#include <string>
#include <string_view>

namespace parley::base {

inline constexpr std::size_t kMaxUserIdLength = 64;
inline constexpr std::size_t kMaxMsgIdLength = 128;

// 1-64 chars of [A-Za-z0-9_.-].
bool IsValidUserId(std::string_view user_id);
// Group ids follow the user-id rules (1-64 chars of [A-Za-z0-9_.-]), so a
// group's conversation id "group_<id>" is as safe in keys as a user's.
inline bool IsValidGroupId(std::string_view group_id) { return IsValidUserId(group_id); }

// msg_id: 1-128 printable ASCII characters, chosen by the client.
bool IsValidMsgId(std::string_view msg_id);

// "private_<a>:<b>" with the two ids in byte order (a == b is a user's chat
// with itself). Both must be valid ids.
std::string PrivateConversationId(std::string_view a, std::string_view b);

std::string GroupConversationId(std::string_view group_id);

enum class ConversationKind { kPrivate, kGroup };

struct ConversationRef {
  ConversationKind kind;
  std::string first;   // private: the smaller user id; group: the group id
  std::string second;  // private: the larger user id; group: empty
};

// Parses a canonical conversation id: "group_<id>", or "private_<a>:<b>" with
// exactly one ':', both halves valid user ids and a <= b. Legacy private ids
// are not canonical: stores key data by canonical ids only.
std::optional<ConversationRef> ParseConversationId(std::string_view conversation_id);

// A legacy private id "private_<a>_<b>" (what versions before the ':' form
// wrote): split at every '_' until both halves are valid ids in byte order;
// nullopt unless exactly one split works (the old code refused the others, so
// no store holds them).
std::optional<ConversationRef> ParseLegacyPrivateConversationId(std::string_view conversation_id);

// The canonical id a client may name a conversation by: a canonical id as
// is, an unambiguous legacy private id as its "private_<a>:<b>" form; nullopt
// for anything else (including ambiguous legacy ids such as "private_a_b_c").
std::optional<std::string> CanonicalConversationId(std::string_view conversation_id);

}  // namespace parley::base
