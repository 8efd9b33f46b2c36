#include "store/common/group_changes.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace parley::store {
namespace {

using base::Code;

std::vector<std::string> SortedUnique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The member who joined first, then the smallest id; "" when there is none.
std::string EarliestMember(const GroupRecord& group) {
  const auto& members = *group.info.members;
  std::string earliest;
  std::int64_t earliest_time = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    // Members are sorted, so on equal times the first seen has the smaller id.
    if (earliest.empty() || group.join_times[i] < earliest_time) {
      earliest = members[i];
      earliest_time = group.join_times[i];
    }
  }
  return earliest;
}

// `before` minus `removed` (sorted, all members) plus `added` (sorted, none a
// member) who join at `time`; a new owner if the old one is gone.
GroupPtr Rebuild(const GroupRecord& before, const std::vector<std::string>& added,
                 const std::vector<std::string>& removed, std::int64_t time) {
  auto after = std::make_shared<GroupRecord>();
  after->info = before.info;
  const auto& old_members = *before.info.members;
  auto members = std::make_shared<std::vector<std::string>>();
  members->reserve(old_members.size() + added.size());
  after->join_times.reserve(old_members.size() + added.size());

  auto next_added = added.begin();
  auto take_added_before = [&](const std::string* bound) {
    for (; next_added != added.end() && (!bound || *next_added < *bound); ++next_added) {
      members->push_back(*next_added);
      after->join_times.push_back(time);
    }
  };
  for (std::size_t i = 0; i < old_members.size(); ++i) {
    if (std::binary_search(removed.begin(), removed.end(), old_members[i])) continue;
    take_added_before(&old_members[i]);
    members->push_back(old_members[i]);
    after->join_times.push_back(before.join_times[i]);
  }
  take_added_before(nullptr);

  after->info.members = std::move(members);
  if (!after->IsMember(after->info.owner_id)) after->info.owner_id = EarliestMember(*after);
  return after;
}

core::MemberList Union(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto out = std::make_shared<std::vector<std::string>>();
  out->reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(*out));
  return out;
}

// Checks `change` against `before` and says who joins and who goes.
base::Result<void> Decide(const GroupRecord& before, const core::GroupChange& change,
                          std::vector<std::string>& added, std::vector<std::string>& removed) {
  const std::string& actor = change.actor;
  switch (change.op) {
    case core::GroupOp::kCreate:
      added = change.users;
      added.push_back(actor);
      added = SortedUnique(std::move(added));
      break;
    case core::GroupOp::kJoin:
      if (before.IsMember(actor)) return base::MakeError(Code::kConflict, "already a member");
      added = {actor};
      break;
    case core::GroupOp::kLeave:
      if (!before.IsMember(actor)) {
        return base::MakeError(Code::kNotFound, "not a member of this group");
      }
      removed = {actor};
      break;
    case core::GroupOp::kInvite:
      if (!before.IsMember(actor)) {
        return base::MakeError(Code::kForbidden, "not a member of this group");
      }
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to invite");
      for (std::string& user : SortedUnique(change.users)) {
        if (!before.IsMember(user)) added.push_back(std::move(user));
      }
      if (added.empty()) return base::MakeError(Code::kConflict, "already members");
      break;
    case core::GroupOp::kKick:
      if (actor != before.info.owner_id) {
        return base::MakeError(Code::kForbidden, "only the owner can kick");
      }
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to kick");
      removed = SortedUnique(change.users);
      if (std::binary_search(removed.begin(), removed.end(), actor)) {
        return base::MakeError(Code::kBadRequest, "cannot kick yourself");
      }
      for (const std::string& user : removed) {
        if (!before.IsMember(user)) {
          return base::MakeError(Code::kNotFound, "not a member of this group: " + user);
        }
      }
      break;
  }
  return {};
}

}  // namespace

base::Result<GroupChangeOutcome> ApplyGroupChange(const GroupRecord* group,
                                                  const core::GroupChange& change,
                                                  std::int64_t time) {
  const bool create = change.op == core::GroupOp::kCreate;
  if (create && group) return base::MakeError(Code::kConflict, "group already exists");
  if (!create && !group) return base::MakeError(Code::kNotFound, "no such group");

  GroupRecord created;
  if (create) {
    created.info = core::GroupInfo{change.group_id, change.name, change.actor, time,
                                   std::make_shared<const std::vector<std::string>>()};
    group = &created;
  }

  GroupChangeOutcome out;
  if (auto decided = Decide(*group, change, out.added, out.removed); !decided) {
    return decided.error();
  }
  out.group = Rebuild(*group, out.added, out.removed, time);
  out.owner_changed = !create && out.group->info.owner_id != group->info.owner_id;
  out.recipients =
      out.removed.empty() ? out.group->info.members : Union(*out.group->info.members, out.removed);
  return out;
}

}  // namespace parley::store
