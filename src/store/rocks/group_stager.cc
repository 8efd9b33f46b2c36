#include "store/rocks/group_stager.h"

#include <algorithm>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {

base::Result<GroupPtr> GroupStager::Find(const std::string& group_id) {
  if (auto it = batch_groups_.find(group_id); it != batch_groups_.end()) return it->second;
  return registry_.Find(group_id);
}

void GroupStager::Stage(rocksdb::WriteBatch& batch, const std::string& conversation_id,
                        const GroupChangeOutcome& change) {
  const GroupRecord& group = *change.group;
  const std::string& group_id = group.info.group_id;
  batch.Put(db_.cf(Cf::kGroups), group_id, keys::EncodeGroup(group.info));

  const auto put_member = [&](const std::string& user) {
    const keys::MemberValue value{group.JoinTimeOf(user), group.JoinSeqOf(user),
                                  group.info.RoleOf(user), group.info.MutedUntil(user)};
    batch.Put(db_.cf(Cf::kGroupMember), keys::GroupMemberKey(group_id, user),
              keys::EncodeMember(value));
  };
  for (const std::string& user : change.added) {
    put_member(user);
    batch.Put(db_.cf(Cf::kUserGroups), keys::UserGroupKey(user, group_id), rocksdb::Slice());
    // Lists the group in the member's ListConversations, with what was said
    // before it joined already read: only the join message and what follows
    // counts as unread.
    const std::int64_t before_join = std::max<std::int64_t>(group.JoinSeqOf(user) - 1, 0);
    batch.Merge(db_.cf(Cf::kUserConv), keys::UserConvKey(user, conversation_id),
                keys::EncodeU64(static_cast<std::uint64_t>(before_join)));
  }
  // Roles and mutes are stored with the member: their rows change too.
  for (const std::string& user : change.touched) put_member(user);
  for (const std::string& user : change.removed) {
    batch.Delete(db_.cf(Cf::kGroupMember), keys::GroupMemberKey(group_id, user));
    batch.Delete(db_.cf(Cf::kUserGroups), keys::UserGroupKey(user, group_id));
    batch.Delete(db_.cf(Cf::kUserConv), keys::UserConvKey(user, conversation_id));
  }
  batch_groups_.insert_or_assign(group_id, change.group);
}

void GroupStager::Finish(bool written) {
  if (written) registry_.Publish(batch_groups_);
  batch_groups_.clear();
}

}  // namespace parley::store
