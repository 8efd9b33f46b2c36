#pragma once
// Requests and small readers shared by every Store test (the conformance
// suite and the backend-specific tests): a chat message, a membership change
// as the core builds them, and the seqs and inbox entries they produce.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "core/store.h"
#include "protocol/packet.h"
#include "protocol/message.h"

namespace parley::store::testing {

using Members = std::vector<std::string>;
// (conversation, seq) of each inbox entry.
using Entries = std::vector<std::pair<std::string, std::int64_t>>;

inline const std::string kAB = base::PrivateConversationId("alice", "bob");
inline const std::string kG = base::GroupConversationId("g");

inline core::AppendRequest Chat(const std::string& sender, const std::string& conv,
                                const std::string& msg_id, std::vector<std::string> members = {}) {
  core::AppendRequest r;
  r.message.msg_id = msg_id;
  r.message.conversation_id = conv;
  r.message.sender_id = sender;
  r.message.content = "hello " + msg_id;
  r.message.send_time = 1700000000000;
  r.members = members.empty() ? std::vector<std::string>{sender} : std::move(members);
  return r;
}

// A membership change of group `group_id` and its system message, sent by
// the actor in the group's conversation, as the core builds it.
inline core::AppendRequest Change(core::GroupOp op, const std::string& group_id,
                                  const std::string& actor, const std::string& msg_id,
                                  std::vector<std::string> users = {}) {
  core::AppendRequest r = Chat(actor, base::GroupConversationId(group_id), msg_id);
  r.message.msg_type = protocol::kMsgTypeSystem;
  r.members.clear();
  r.group_change.emplace();
  r.group_change->op = op;
  r.group_change->group_id = group_id;
  r.group_change->actor = actor;
  r.group_change->users = std::move(users);
  r.group_change->name = "name of " + group_id;
  return r;
}

// A create `request` for a group anyone may join (join_policy open).
inline core::AppendRequest Open(core::AppendRequest request) {
  request.group_change->join_policy = core::JoinPolicy::kOpen;
  return request;
}

// `request` sent at `send_time` (ms), as the core stamps it.
inline core::AppendRequest At(core::AppendRequest request, std::int64_t send_time) {
  request.message.send_time = send_time;
  return request;
}

// The seq of a page entry: a message or a hole marker (cluster only).
inline std::int64_t SeqOf(const std::string& json) {
  auto object = protocol::ParseObject(json).value();
  return protocol::RequiredInt(object, "seq").value();
}

inline bool IsHole(const std::string& json) {
  return protocol::IsHoleMarker(protocol::ParseObject(json).value());
}

// The (conversation, seq) of each entry, checking inbox_seqs run on from `after`.
inline Entries InboxMessages(const core::InboxPage& page, std::int64_t after) {
  Entries out;
  for (const auto& entry : page.entries) {
    EXPECT_EQ(entry.inbox_seq, ++after);
    auto object = protocol::ParseObject(entry.message_json).value();
    out.emplace_back(std::string(protocol::RequiredString(object, "conversation_id").value()),
                     protocol::RequiredInt(object, "seq").value());
  }
  return out;
}

}  // namespace parley::store::testing
