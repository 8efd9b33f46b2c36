#include "store/rocks/group_registry.h"

#include <rocksdb/snapshot.h>

#include <memory>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {

base::Result<GroupPtr> GroupRegistry::Find(const std::string& group_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = groups_.find(group_id); it != groups_.end()) return it->second;
  }
  PARLEY_ASSIGN_OR_RETURN(GroupPtr loaded, Load(group_id));
  // Not cached when absent: a creation published meanwhile must not be hidden.
  if (!loaded) return loaded;
  std::lock_guard lock(mu_);
  return groups_.try_emplace(group_id, std::move(loaded)).first->second;
}

void GroupRegistry::Publish(const Map& changed) {
  std::lock_guard lock(mu_);
  for (const auto& [group_id, group] : changed) groups_.insert_or_assign(group_id, group);
}

// One snapshot for the record and its members, so they match even while a
// batch changing the group is being applied.
base::Result<GroupPtr> GroupRegistry::Load(const std::string& group_id) {
  rocksdb::ManagedSnapshot snapshot(&db_.db());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();

  std::string bytes;
  const rocksdb::Status status = db_.db().Get(read, db_.cf(Cf::kGroups), group_id, &bytes);
  if (status.IsNotFound()) return GroupPtr();
  if (!status.ok()) return StatusToError(status, "read group");
  auto group = std::make_shared<GroupRecord>();
  PARLEY_ASSIGN_OR_RETURN(group->info, keys::DecodeGroup(group_id, bytes));

  RangeScan it(db_, Cf::kGroupMember, keys::Prefix(group_id), keys::PrefixEnd(group_id), read);
  auto members = std::make_shared<std::vector<std::string>>();
  auto join_seqs = std::make_shared<std::vector<std::int64_t>>();
  auto admins = std::make_shared<std::vector<std::string>>();
  auto mutes = std::make_shared<std::vector<core::Mute>>();
  // Keys sort by user id, bytewise like std::string: the list comes out sorted.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    PARLEY_ASSIGN_OR_RETURN(const keys::MemberValue member,
                            keys::DecodeMember(it->value().ToStringView()));
    const std::string& user =
        members->emplace_back(keys::SecondPartOfKey(it->key().ToStringView()));
    group->join_times.push_back(member.join_time);
    join_seqs->push_back(member.join_seq);
    if (member.role == core::GroupRole::kAdmin) admins->push_back(user);
    if (member.muted_until != 0) mutes->push_back(core::Mute{user, member.muted_until});
  }
  if (!it->status().ok()) return StatusToError(it->status(), "read group members");
  group->info.members = std::move(members);
  group->info.join_seqs = std::move(join_seqs);
  group->info.admins = std::move(admins);
  group->info.mutes = std::move(mutes);
  return GroupPtr(std::move(group));
}

}  // namespace parley::store
