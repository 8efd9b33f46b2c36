#include "store/common/group_changes.h"

#include <algorithm>
#include <iterator>
#include <string_view>
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

const std::vector<std::string>& IdsOf(const core::MemberList& list) {
  static const std::vector<std::string> kNone;
  return list ? *list : kNone;
}

const std::vector<core::Mute>& MutesOf(const core::MuteList& list) {
  static const std::vector<core::Mute> kNone;
  return list ? *list : kNone;
}

// The admins of `after`: `before`'s minus who left or was demoted, plus the
// promoted and an owner who transferred ownership; never the owner.
core::MemberList RebuildAdmins(const GroupRecord& before, const GroupChangeOutcome& out,
                               const GroupRecord& after) {
  std::vector<std::string> added = out.promoted;
  const std::string& old_owner = before.info.owner_id;
  if (old_owner != after.info.owner_id && after.IsMember(old_owner)) added.push_back(old_owner);
  const core::MemberList merged = Merge(IdsOf(before.info.admins),
                                        *Union(out.removed, out.demoted), SortedUnique(added));
  auto admins = std::make_shared<std::vector<std::string>>();
  for (const std::string& user : *merged) {
    if (user != after.info.owner_id) admins->push_back(user);
  }
  return admins;
}

// The mutes of `after`: `before`'s minus who left, was unmuted or muted
// again, plus the new mutes until `until`; never the owner.
core::MuteList RebuildMutes(const GroupRecord& before, const GroupChangeOutcome& out,
                            const GroupRecord& after, std::int64_t until) {
  auto mutes = std::make_shared<std::vector<core::Mute>>();
  for (const core::Mute& mute : MutesOf(before.info.mutes)) {
    if (Contains(out.removed, mute.user_id) || Contains(out.unmuted, mute.user_id) ||
        Contains(out.muted, mute.user_id) || mute.user_id == after.info.owner_id) {
      continue;
    }
    mutes->push_back(mute);
  }
  for (const std::string& user : out.muted) mutes->push_back(core::Mute{user, until});
  std::sort(mutes->begin(), mutes->end(),
            [](const core::Mute& a, const core::Mute& b) { return a.user_id < b.user_id; });
  return mutes;
}

// The members of `after` whose member row changed beyond joining plainly.
std::vector<std::string> Touched(const GroupRecord& before, const GroupRecord& after) {
  std::vector<std::string> touched;
  for (const std::string& user : *after.info.members) {
    // A newcomer's row was a plain member's (a creator's too).
    const bool was_member = before.IsMember(user);
    const core::GroupRole role = was_member ? before.info.RoleOf(user) : core::GroupRole::kMember;
    const std::int64_t muted = was_member ? before.info.MutedUntil(user) : 0;
    if (after.info.RoleOf(user) != role || after.info.MutedUntil(user) != muted) {
      touched.push_back(user);
    }
  }
  return touched;
}

base::Error Forbidden(std::string why) { return base::MakeError(Code::kForbidden, std::move(why)); }

base::Error BadRequest(std::string why) {
  return base::MakeError(Code::kBadRequest, std::move(why));
}

// The targets, sorted; 400 when there are none.
base::Result<std::vector<std::string>> Targets(const core::GroupChange& change,
                                               std::string_view verb) {
  if (change.users.empty()) return BadRequest("nobody to " + std::string(verb));
  return SortedUnique(change.users);
}

// 404 for a target that is not a member.
base::Result<void> RequireMembers(const GroupRecord& group,
                                  const std::vector<std::string>& targets) {
  for (const std::string& user : targets) {
    if (!group.IsMember(user)) {
      return base::MakeError(Code::kNotFound, "not a member of this group: " + user);
    }
  }
  return {};
}

// Kick, mute, unmute: nobody acts on the owner, only the owner on admins.
base::Result<void> RequireOutranks(const core::GroupInfo& group, const std::string& actor,
                                   const std::vector<std::string>& targets, std::string_view verb) {
  for (const std::string& user : targets) {
    if (group.IsOwner(user)) return Forbidden("cannot " + std::string(verb) + " the owner");
    if (group.IsAdmin(user) && !group.IsOwner(actor)) {
      return Forbidden("only the owner can " + std::string(verb) + " an admin");
    }
  }
  return {};
}

base::Result<void> DecidePromote(const GroupRecord& before, const core::GroupChange& change,
                                 GroupChangeOutcome& out) {
  if (!before.info.IsOwner(change.actor)) return Forbidden("only the owner can promote");
  PARLEY_ASSIGN_OR_RETURN(out.promoted, Targets(change, "promote"));
  if (auto checked = RequireMembers(before, out.promoted); !checked) return checked.error();
  for (const std::string& user : out.promoted) {
    if (before.info.IsOwner(user)) return BadRequest("the owner cannot be promoted");
    if (before.info.IsAdmin(user)) {
      return base::MakeError(Code::kConflict, "already an admin: " + user);
    }
  }
  return {};
}

base::Result<void> DecideDemote(const GroupRecord& before, const core::GroupChange& change,
                                GroupChangeOutcome& out) {
  if (!before.info.IsOwner(change.actor)) return Forbidden("only the owner can demote");
  PARLEY_ASSIGN_OR_RETURN(out.demoted, Targets(change, "demote"));
  for (const std::string& user : out.demoted) {
    if (!before.info.IsAdmin(user)) {
      return base::MakeError(Code::kNotFound, "not an admin of this group: " + user);
    }
  }
  return {};
}

// The ownership moves in Rebuild, which sees the owner is no longer the owner.
base::Result<void> DecideTransfer(const GroupRecord& before, const core::GroupChange& change) {
  if (!before.info.IsOwner(change.actor)) return Forbidden("only the owner can transfer");
  if (change.users.size() != 1) return BadRequest("transfer names exactly one new owner");
  if (change.users[0] == change.actor) return BadRequest("you already own this group");
  return RequireMembers(before, change.users);
}

base::Result<void> DecideMute(const GroupRecord& before, const core::GroupChange& change,
                              std::int64_t time, GroupChangeOutcome& out) {
  const bool mute = change.op == core::GroupOp::kMute;
  const std::string_view verb = mute ? "mute" : "unmute";
  if (!before.info.IsModerator(change.actor)) {
    return Forbidden("only the owner and admins can " + std::string(verb));
  }
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> targets, Targets(change, verb));
  if (auto checked = RequireMembers(before, targets); !checked) return checked.error();
  if (auto checked = RequireOutranks(before.info, change.actor, targets, verb); !checked)
    return checked.error();
  if (mute) {
    if (change.mute_until <= time) return BadRequest("a mute must end in the future");
    out.muted = std::move(targets);
    return {};
  }
  for (const std::string& user : targets) {
    if (before.info.MutedUntil(user) == 0) {
      return base::MakeError(Code::kNotFound, "not muted: " + user);
    }
  }
  out.unmuted = std::move(targets);
  return {};
}

// Checks `change` against `before` and fills who joins, goes, is banned or
// unbanned.
base::Result<void> Decide(const GroupRecord& before, const core::GroupChange& change,
                          std::int64_t time, GroupChangeOutcome& out) {
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
      if (!moderator) return Forbidden("only the owner and admins can kick");
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to kick");
      out.removed = SortedUnique(change.users);
      if (Contains(out.removed, actor)) {
        return base::MakeError(Code::kBadRequest, "cannot kick yourself");
      }
      if (auto checked = RequireMembers(before, out.removed); !checked) return checked.error();
      if (auto checked = RequireOutranks(before.info, actor, out.removed, "kick"); !checked)
        return checked.error();
      out.banned = out.removed;
      break;
    case core::GroupOp::kUnban:
      if (!moderator) return Forbidden("only the owner and admins can unban");
      if (change.users.empty()) return base::MakeError(Code::kBadRequest, "nobody to unban");
      out.unbanned = SortedUnique(change.users);
      for (const std::string& user : out.unbanned) {
        if (!before.info.IsBanned(user)) {
          return base::MakeError(Code::kNotFound, "not banned from this group: " + user);
        }
      }
      break;
    case core::GroupOp::kSettings:
      if (!before.info.IsOwner(actor)) {
        return Forbidden("only the owner can change the group's settings");
      }
      if (!change.join_policy && !change.history_visibility && !change.send_policy) {
        return base::MakeError(Code::kBadRequest, "no setting to change");
      }
      break;
    case core::GroupOp::kPromote:
      return DecidePromote(before, change, out);
    case core::GroupOp::kDemote:
      return DecideDemote(before, change, out);
    case core::GroupOp::kTransfer:
      return DecideTransfer(before, change);
    case core::GroupOp::kMute:
    case core::GroupOp::kUnmute:
      return DecideMute(before, change, time, out);
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
    created.info.admins = none;
    created.info.mutes = std::make_shared<const std::vector<core::Mute>>();
    group = &created;
  }

  GroupChangeOutcome out;
  if (auto decided = Decide(*group, change, time, out); !decided) return decided.error();
  std::shared_ptr<GroupRecord> after = Rebuild(*group, out, time, join_seq);
  if (change.op == core::GroupOp::kTransfer) after->info.owner_id = change.users[0];
  after->info.admins = RebuildAdmins(*group, out, *after);
  after->info.mutes = RebuildMutes(*group, out, *after, change.mute_until);
  out.touched = Touched(*group, *after);
  if (change.join_policy) after->info.join_policy = *change.join_policy;
  if (change.history_visibility) after->info.history_visibility = *change.history_visibility;
  if (change.send_policy) after->info.send_policy = *change.send_policy;
  out.settings_changed = create || change.op == core::GroupOp::kSettings;
  out.owner_changed = !create && after->info.owner_id != group->info.owner_id;
  out.recipients =
      out.removed.empty() ? after->info.members : Union(*after->info.members, out.removed);
  out.group = std::move(after);
  return out;
}

}  // namespace parley::store
