#include "core/conversation_access.h"

#include <optional>

#include "base/ids.h"

namespace parley::core {

base::Result<std::string> NamedConversation(const Caller& caller, std::string conversation_id,
                                            std::string_view to) {
  if (!conversation_id.empty()) return conversation_id;
  if (!base::IsValidUserId(to)) {
    return base::MakeError(base::Code::kBadRequest, "'to' is not a valid user id");
  }
  return base::PrivateConversationId(caller.user_id, to);
}

asio::awaitable<base::Result<ConversationTarget>> ResolveConversation(
    Store& store, const Caller& caller, std::string conversation_id) {
  // A client may still name a private chat by its legacy id (base/ids.h):
  // it reaches the migrated data, and answers carry the canonical id.
  // One parse in the common case: only an id that is not canonical is tried
  // as a legacy one.
  std::optional<base::ConversationRef> ref = base::ParseConversationId(conversation_id);
  if (!ref) {
    ref = base::ParseLegacyPrivateConversationId(conversation_id);
    if (!ref) {
      co_return base::MakeError(base::Code::kBadRequest,
                                "malformed conversation_id '" + conversation_id + "'");
    }
    conversation_id = base::PrivateConversationId(ref->first, ref->second);
  }
  if (ref->kind == base::ConversationKind::kPrivate) {
    if (caller.user_id != ref->first && caller.user_id != ref->second) {
      co_return base::MakeError(base::Code::kForbidden, "not a member of this conversation");
    }
    auto members = std::make_shared<const std::vector<std::string>>(
        std::vector<std::string>{ref->first, ref->second});
    co_return ConversationTarget{std::move(conversation_id), false, std::move(members)};
  }
  PARLEY_CO_ASSIGN_OR_RETURN(GroupInfo group, co_await store.GetGroup(ref->first));
  if (!group.IsMember(caller.user_id)) {
    co_return base::MakeError(base::Code::kForbidden, "not a member of this group");
  }
  ConversationTarget target{std::move(conversation_id), true, group.members,
                            group.FirstReadableSeq(caller.user_id)};
  target.role = group.RoleOf(caller.user_id);
  target.muted_until = group.MutedUntil(caller.user_id);
  target.send_policy = group.send_policy;
  co_return target;
}

}  // namespace parley::core
