#pragma once
// Rules both stores apply to every append, in one place. The cluster store's
// Lua scripts (store/cluster/lua_scripts.cc) repeat WritesInbox, because they
// decide inside Redis; the store conformance suite's fan-out test checks that
// the two agree (StoreInboxTest.FanoutThresholdDecidesPerMessage).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "core/store.h"
#include "store/common/group_record.h"

namespace parley::store {

// Write diffusion: a message goes into every recipient's inbox when the
// conversation has at most `fanout_threshold` recipients; bigger groups are
// read diffusion (members learn of new seqs through SYNC and PULL).
inline bool WritesInbox(std::size_t recipients, std::size_t fanout_threshold) {
  return recipients <= fanout_threshold;
}

// The members of a private conversation, from its parsed id: the two users,
// or one for a conversation with oneself.
inline core::MemberList PrivateMembers(const base::ConversationRef& ref) {
  std::vector<std::string> members = {ref.first};
  if (ref.second != ref.first) members.push_back(ref.second);
  return std::make_shared<const std::vector<std::string>>(std::move(members));
}

// Who a conversation is for now, as a retried message's answer names them
// (core::AppendResult::recipients of a duplicate): the users of a private
// conversation, a group's current members, nobody when the group is gone or
// the id names no conversation. `group`: the group `ref` names, as loaded by
// the caller (null when there is none).
inline core::MemberList CurrentRecipients(const std::optional<base::ConversationRef>& ref,
                                          const GroupRecord* group) {
  if (ref && ref->kind == base::ConversationKind::kPrivate) return PrivateMembers(*ref);
  if (ref && group) return group->info.members;
  return std::make_shared<const std::vector<std::string>>();
}

}  // namespace parley::store
