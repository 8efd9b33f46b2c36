#pragma once
// The rules of membership changes (core::GroupChange), as a pure function of
// the group before the change: no I/O, so the writer can validate a change
// before it writes anything, and a refused change leaves its batch untouched.

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "store/common/group_record.h"

namespace parley::store {

struct GroupChangeOutcome {
  GroupPtr group;                    // the group after the change
  std::vector<std::string> added;    // sorted: who became a member
  std::vector<std::string> removed;  // sorted: who left or was kicked
  bool owner_changed = false;        // the owner left (or an ownerless group was joined)
  // Members after the change and those removed, so they learn of it. The
  // group's own member list when nobody was removed.
  core::MemberList recipients;
};

// Applies `change` to `group` (null: no such group) at `time` (ms, becomes
// created_at / join_time). Errors as documented on core::AppendRequest.
//
// Ownership: when the owner leaves, the remaining member who joined first
// (then the smallest id) becomes owner; with nobody left the group keeps
// existing without owner or members, and whoever joins it next becomes owner.
base::Result<GroupChangeOutcome> ApplyGroupChange(const GroupRecord* group,
                                                  const core::GroupChange& change,
                                                  std::int64_t time);

}  // namespace parley::store
