#pragma once
// A group as the store keeps it in memory: the public GroupInfo plus when
// each member joined (needed to pick the next owner when the owner leaves).
//
// Immutable once built and shared by shared_ptr: a change builds a new
// record, so a reader holding the old one keeps a consistent snapshot, and
// every message sent while membership is unchanged shares one member list.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/store.h"

namespace parley::store {

struct GroupRecord {
  // info.members, info.banned: sorted, never null. info.join_seqs: parallel
  // to members, never null.
  core::GroupInfo info;
  std::vector<std::int64_t> join_times;  // join_times[i]: when info.members[i] joined

  bool IsMember(std::string_view user_id) const { return info.IsMember(user_id); }
  // The caller has checked IsMember(user_id).
  std::int64_t JoinTimeOf(std::string_view user_id) const { return join_times[IndexOf(user_id)]; }
  std::int64_t JoinSeqOf(std::string_view user_id) const {
    return (*info.join_seqs)[IndexOf(user_id)];
  }

 private:
  std::size_t IndexOf(std::string_view user_id) const {
    const auto it = std::lower_bound(info.members->begin(), info.members->end(), user_id);
    return static_cast<std::size_t>(it - info.members->begin());
  }
};

using GroupPtr = std::shared_ptr<const GroupRecord>;

}  // namespace parley::store
