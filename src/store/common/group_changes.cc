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

bool Contains(const std::vector<std::string>& sorted, const std::string& id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
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

core::MemberList Union(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto out = std::make_shared<std::vector<std::string>>();
  out->reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(*out));
  return out;
}

// `sorted` minus `removed` plus `added` (all three sorted).
core::MemberList Merge(const std::vector<std::string>& sorted,
                       const std::vector<std::string>& removed,
                       const std::vector<std::string>& added) {
  std::vector<std::string> kept;
  kept.reserve(sorted.size());
  std::set_difference(sorted.begin(), sorted.end(), removed.begin(), removed.end(),
                      std::back_inserter(kept));
  return Union(kept, added);
}

// `before` with the outcome's membership and ban changes applied; new
// members join at `time` and `join_seq`; a new owner if the old one is gone.
std::shared_ptr<GroupRecord> Rebuild(const GroupRecord& before, const GroupChangeOutcome& out,
                                     std::int64_t time, std::int64_t join_seq) {
  auto after = std::make_shared<GroupRecord>();
  after->info = before.info;
  const auto& old_members = *before.info.members;
  const auto& old_seqs = *before.info.join_seqs;
  const std::size_t capacity = old_members.size() + out.added.size();
  auto members = std::make_shared<std::vector<std::string>>();
  auto join_seqs = std::make_shared<std::vector<std::int64_t>>();
  members->reserve(capacity);
  join_seqs->reserve(capacity);
  after->join_times.reserve(capacity);

  auto next_added = out.added.begin();
  auto take_added_before = [&](const std::string* bound) {
    for (; next_added != out.added.end() && (!bound || *next_added < *bound); ++next_added) {
      members->push_back(*next_added);
      after->join_times.push_back(time);
      join_seqs->push_back(join_seq);
    }
  };
  for (std::size_t i = 0; i < old_members.size(); ++i) {
    if (Contains(out.removed, old_members[i])) continue;
    take_added_before(&old_members[i]);
    members->push_back(old_members[i]);
    after->join_times.push_back(before.join_times[i]);
    join_seqs->push_back(old_seqs[i]);
  }
  take_added_before(nullptr);

  after->info.members = std::move(members);
  after->info.join_seqs = std::move(join_seqs);
  after->info.banned = Merge(*before.info.banned, out.unbanned, out.banned);
  if (!after->IsMember(after->info.owner_id)) after->info.owner_id = EarliestMember(*after);
  return after;
}

base::Error Forbidden(std::string why) { return base::MakeError(Code::kForbidden, std::move(why)); }

// Checks `change` against `before` and fills who joins, goes, is banned or
// unbanned.
base::Result<void> Decide(const GroupRecord& before, const core::GroupChange& change,
                          GroupChangeOutcome& out) {
  const std::string& actor = change.actor;
  const bool moderator = before.info.IsModerator(actor);
  switch (change.op) {
    case core::GroupOp::kCreate:
      out.added = change.users;
      out.added.push_back(actor);
      out.added = SortedUnique(std::move(out.added));
      break;
    case core::GroupOp::kJoin:
      if (before.IsMember(actor)) return base::MakeError(Code::kConflict, "already a member");
      if (before.info.IsBanned(actor)) return Forbidden("you are banned from this group");
      if (before.info.join_policy != core::JoinPolicy::kOpen) {
        return Forbidden("this group is invite-only: ask a member to invite you");
      }
      out.added = {actor};
      break;
    case core::GroupOp::kLeave:
      if (!before.IsMember(actor)) return Forbidden("not a member of this group");
      out.removed = {actor};
      break;
    case core::GroupOp::kInvite:
      if (!before.IsMember(actor)) return Forbidden("not a member of this group");
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to invite");
      for (std::string& user : SortedUnique(change.users)) {
        if (before.IsMember(user)) continue;
        if (before.info.IsBanned(user)) {
          if (!moderator) return Forbidden("'" + user + "' is banned from this group");
          out.unbanned.push_back(user);
        }
        out.added.push_back(std::move(user));
      }
      if (out.added.empty()) return base::MakeError(Code::kConflict, "already members");
      break;
    case core::GroupOp::kKick:
      if (!moderator) return Forbidden("only the owner can kick");
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to kick");
      out.removed = SortedUnique(change.users);
      if (Contains(out.removed, actor)) {
        return base::MakeError(Code::kBadRequest, "cannot kick yourself");
      }
      for (const std::string& user : out.removed) {
        if (!before.IsMember(user)) {
          return base::MakeError(Code::kNotFound, "not a member of this group: " + user);
        }
      }
      out.banned = out.removed;
      break;
    case core::GroupOp::kUnban:
      if (!moderator) return Forbidden("only the owner can unban");
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to unban");
      out.unbanned = SortedUnique(change.users);
      for (const std::string& user : out.unbanned) {
        if (!before.info.IsBanned(user)) {
          return base::MakeError(Code::kNotFound, "not banned from this group: " + user);
        }
      }
      break;
    case core::GroupOp::kSettings:
      if (!moderator) return Forbidden("only the owner can change the group's settings");
      if (!change.join_policy && !change.history_visibility) {
        return base::MakeError(Code::kBadRequest, "no setting to change");
      }
      break;
  }
  return {};
}

}  // namespace

base::Result<GroupChangeOutcome> ApplyGroupChange(const GroupRecord* group,
                                                  const core::GroupChange& change,
                                                  std::int64_t time, std::int64_t join_seq) {
  const bool create = change.op == core::GroupOp::kCreate;
  if (create && group) return base::MakeError(Code::kConflict, "group already exists");
  if (!create && !group) return base::MakeError(Code::kNotFound, "no such group");

  GroupRecord created;
  if (create) {
    auto none = std::make_shared<const std::vector<std::string>>();
    created.info.group_id = change.group_id;
    created.info.name = change.name;
    created.info.owner_id = change.actor;
    created.info.created_at = time;
    created.info.members = none;
    created.info.join_seqs = std::make_shared<const std::vector<std::int64_t>>();
    created.info.banned = none;
    group = &created;
  }

  GroupChangeOutcome out;
  if (auto decided = Decide(*group, change, out); !decided) return decided.error();
  std::shared_ptr<GroupRecord> after = Rebuild(*group, out, time, join_seq);
  if (change.join_policy) after->info.join_policy = *change.join_policy;
  if (change.history_visibility) after->info.history_visibility = *change.history_visibility;
  out.settings_changed = create || change.op == core::GroupOp::kSettings;
  out.owner_changed = !create && after->info.owner_id != group->info.owner_id;
  out.recipients =
      out.removed.empty() ? after->info.members : Union(*after->info.members, out.removed);
  out.group = std::move(after);
  return out;
}

}  // namespace parley::store
