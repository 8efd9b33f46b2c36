#pragma once
// Who may touch a conversation (docs/design.md "Isolation"): the two
// users of a private conversation, the current members of a group; and from
// which seq a group member reads.
//
// Threads: runs on the caller's executor; no state of its own.

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "core/caller.h"
#include "core/store.h"

namespace parley::core {

struct ConversationTarget {
  std::string conversation_id;
  bool is_group = false;
  // Private: the two users; group: the members when the check ran.
  MemberList members;
  // The first seq the caller may read (GroupInfo::FirstReadableSeq): 1 but
  // for a group member who (re)joined under history_visibility "joined".
  std::int64_t first_readable_seq = 1;
  // Group: the caller's role, until when it is muted (0: not muted; expired
  // mutes included) and who may send, so CHAT can refuse without a second read.
  GroupRole role = GroupRole::kMember;
  std::int64_t muted_until = 0;
  SendPolicy send_policy = SendPolicy::kEveryone;

  // Whether its members hear live events (receipts, typing): a 1:1, or a
  // group of at most `fanout_threshold` members (--fanout-threshold, the line
  // write diffusion also draws).
  bool HasLiveEvents(std::size_t fanout_threshold) const {
    return !is_group || members->size() <= fanout_threshold;
  }
};

// The conversation a CHAT or TYPING names: its "conversation_id" when given,
// else the 1:1 of the caller with `to`, "private_<a>:<b>" (base/ids.h). 400
// when `to` is not a valid user id.
base::Result<std::string> NamedConversation(const Caller& caller, std::string conversation_id,
                                            std::string_view to);

// `conversation_id` may be a legacy private id ("private_<a>_<b>", base/ids.h);
// the target carries the canonical id. 400 for a malformed or ambiguous id,
// 404 for a group that does not exist, 403 when the caller is not a member.
asio::awaitable<base::Result<ConversationTarget>> ResolveConversation(
    Store& store, const Caller& caller, std::string conversation_id);

}  // namespace parley::core
