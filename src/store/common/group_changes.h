#pragma once
// The rules of group changes (core::GroupChange), as a pure function of the
// group before the change: no I/O, so a store can validate a change before it
// writes anything, and a refused change leaves its batch untouched. Both
// stores and the tests' in-memory store apply changes only through this.

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "store/common/group_record.h"

namespace parley::store {

struct GroupChangeOutcome {
  GroupPtr group;                     // the group after the change
  std::vector<std::string> added;     // sorted: who became a member
  std::vector<std::string> removed;   // sorted: who left or was kicked
  std::vector<std::string> banned;    // sorted: who was kicked (and is banned now)
  std::vector<std::string> unbanned;  // sorted: whose ban was lifted (unban, moderator invite)
  std::vector<std::string> promoted;  // sorted: who becomes an admin (promote)
  std::vector<std::string> demoted;   // sorted: who stops being an admin (demote)
  std::vector<std::string> muted;     // sorted: who is muted until the change's mute_until
  std::vector<std::string> unmuted;   // sorted: whose mute was lifted
  // Sorted: the members (before and after) whose role or mute changed, added
  // members who join as plain unmuted members excepted; a store rewrites
  // their member rows.
  std::vector<std::string> touched;
  bool owner_changed = false;     // the owner left (or an ownerless group was joined)
  bool settings_changed = false;  // create or settings: the group's settings set
  // Members after the change and those removed, so they learn of it. The
  // group's own member list when nobody was removed.
  core::MemberList recipients;
};

// Applies `change` to `group` (null: no such group) at `time` (ms, becomes
// created_at / join_time); `join_seq` is the seq the change's system message
// gets, recorded as the join seq of whoever it adds (0 when the caller does
// not know it yet and records it itself).
//
// Rules and errors (a group that does not exist is 404 for every op but
// create; moderators: the owner and admins, core::GroupInfo::IsModerator):
//   create   409 when the group exists. The actor becomes owner.
//   join     409 already a member; 403 banned; 403 when join_policy is invite.
//   leave    403 not a member.
//   invite   403 actor not a member; 403 a banned target unless the actor is a
//            moderator (whose invite lifts the ban); members are skipped, 409
//            when nobody is left.
//   kick     403 unless a moderator; 403 an admin kicking the owner or an
//            admin; 400 kicking oneself; 404 a target that is not a member.
//            Kicked users are banned until unbanned.
//   unban    403 unless a moderator; 404 a target that is not banned.
//   settings 403 unless the owner; 400 without a setting.
//   promote  403 unless the owner; 404 a target that is not a member; 400 the
//            owner; 409 a target that already is an admin.
//   demote   403 unless the owner; 404 a target that is not an admin.
//   transfer 403 unless the owner; 404 a target that is not a member; 400
//            without exactly one target. The old owner becomes an admin; the
//            new owner's admin role and mute end.
//   mute     403 unless a moderator; 403 muting the owner, or an admin unless
//            the actor is the owner; 404 a target that is not a member; 400
//            when mute_until is not after `time`. A mute replaces an earlier one.
//   unmute   like mute, and 404 a target that is not muted (expired mutes count).
// Leaving or being kicked ends a member's role and mute.
// Ownership: when the owner leaves, the remaining member who joined first
// (then the smallest id) becomes owner; with nobody left the group keeps
// existing without owner or members, and whoever joins it next becomes owner.
base::Result<GroupChangeOutcome> ApplyGroupChange(const GroupRecord* group,
                                                  const core::GroupChange& change,
                                                  std::int64_t time, std::int64_t join_seq);

}  // namespace parley::store
