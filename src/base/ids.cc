#include "base/ids.h"

namespace parley::base {
namespace {

constexpr std::string_view kPrivatePrefix = "private_";
constexpr std::string_view kGroupPrefix = "group_";
constexpr char kPairSeparator = ':';  // outside the user-id alphabet

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

bool IsValidUserId(std::string_view user_id) {
  if (user_id.empty() || user_id.size() > kMaxUserIdLength) return false;
  for (char c : user_id) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

bool IsValidMsgId(std::string_view msg_id) {
  if (msg_id.empty() || msg_id.size() > kMaxMsgIdLength) return false;
  for (char c : msg_id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string PrivateConversationId(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string id;
  id.reserve(kPrivatePrefix.size() + a.size() + 1 + b.size());
  id.append(kPrivatePrefix).append(a).push_back(kPairSeparator);
  id.append(b);
  return id;
}

std::string GroupConversationId(std::string_view group_id) {
  return std::string(kGroupPrefix) + std::string(group_id);
}

std::optional<ConversationRef> ParseConversationId(std::string_view id) {
  if (id.starts_with(kGroupPrefix)) {
    std::string_view group = id.substr(kGroupPrefix.size());
    if (!IsValidGroupId(group)) return std::nullopt;
    return ConversationRef{ConversationKind::kGroup, std::string(group), {}};
  }
  if (!id.starts_with(kPrivatePrefix)) return std::nullopt;
  const std::string_view rest = id.substr(kPrivatePrefix.size());
  const std::size_t colon = rest.find(kPairSeparator);
  if (colon == std::string_view::npos) return std::nullopt;
  // A second ':' fails IsValidUserId(b).
  const std::string_view a = rest.substr(0, colon);
  const std::string_view b = rest.substr(colon + 1);
  if (!IsValidUserId(a) || !IsValidUserId(b) || b < a) return std::nullopt;
  return ConversationRef{ConversationKind::kPrivate, std::string(a), std::string(b)};
}

std::optional<ConversationRef> ParseLegacyPrivateConversationId(std::string_view id) {
  if (!id.starts_with(kPrivatePrefix)) return std::nullopt;
  const std::string_view rest = id.substr(kPrivatePrefix.size());
  std::optional<ConversationRef> found;
  for (std::size_t pos = rest.find('_'); pos != std::string_view::npos;
       pos = rest.find('_', pos + 1)) {
    std::string_view a = rest.substr(0, pos);
    std::string_view b = rest.substr(pos + 1);
    if (IsValidUserId(a) && IsValidUserId(b) && a <= b) {
      if (found) return std::nullopt;  // ambiguous: the old code never wrote it
      found = ConversationRef{ConversationKind::kPrivate, std::string(a), std::string(b)};
    }
  }
  return found;
}

std::optional<std::string> CanonicalConversationId(std::string_view id) {
  if (ParseConversationId(id)) return std::string(id);
  if (auto legacy = ParseLegacyPrivateConversationId(id)) {
    return PrivateConversationId(legacy->first, legacy->second);
  }
  return std::nullopt;
}

}  // namespace parley::base
