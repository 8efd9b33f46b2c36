#pragma once
// GROUP (cmd 7) for the client: request bodies per "op", typed replies, and
// the membership events the server writes into a group's timeline as system
// messages (msg_type 100). Pure code: no I/O, no threads.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "protocol/message.h"

namespace parley::client {

// Answer of create, join, leave, invite and kick. `seq`: the system message
// that records the change in the group's timeline.
struct GroupReply {
  std::string group_id;
  std::string conversation_id;
  std::int64_t seq = 0;
};

// A mute in force; `until` ms since the epoch, 0 for "until unmuted".
struct GroupMute {
  std::string user_id;
  std::int64_t until = 0;
};

enum class SendPolicy { kEveryone, kOnlyAdmins };

struct GroupMembersInfo {
  std::string group_id;
  std::string name;
  std::string owner_id;
  std::vector<std::string> members;
  // Absent from older servers' answers: empty / kEveryone.
  std::vector<std::string> admins;
  std::vector<GroupMute> muted;
  SendPolicy send_policy = SendPolicy::kEveryone;
};

struct GroupSummary {
  std::string group_id;
  std::string name;
  std::string owner_id;
  std::int64_t member_count = 0;
  std::string conversation_id;
};

// The content of a system message: {"event","actor","users","name","until"}.
struct GroupEvent {
  std::string event;  // create, join, leave, invite, kick, unban, settings,
                      // promote, demote, transfer, mute or unmute
  std::string actor;
  std::vector<std::string> users;
  std::string name;
  std::int64_t until = 0;  // mute: ms since the epoch, 0 for "until unmuted"
};

// An empty `group_id` lets the server choose one.
boost::json::object GroupCreateBody(std::string_view name, const std::vector<std::string>& members,
                                    std::string_view group_id);
// join, leave, members.
boost::json::object GroupBody(std::string_view op, std::string_view group_id);
// invite, kick, unban, promote, demote, unmute.
boost::json::object GroupMembersBody(std::string_view op, std::string_view group_id,
                                     const std::vector<std::string>& members);
// mute until `until` (ms since the epoch; 0: until unmuted).
boost::json::object GroupMuteBody(std::string_view group_id,
                                  const std::vector<std::string>& members, std::int64_t until);
boost::json::object GroupTransferBody(std::string_view group_id, std::string_view to);
boost::json::object GroupMineBody();

// Parsers of successful answers. Errors: 500 for a malformed answer.
base::Result<GroupReply> ParseGroupReply(const boost::json::object& response);
base::Result<GroupMembersInfo> ParseGroupMembers(const boost::json::object& response);
base::Result<std::vector<GroupSummary>> ParseMyGroups(const boost::json::object& response);

// The event of a system message; nullopt for other messages or bad content.
std::optional<GroupEvent> ParseGroupEvent(const protocol::Message& m);

}  // namespace parley::client
