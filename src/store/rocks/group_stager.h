#pragma once
// The groups as of the current point of the batch being built: the published
// records (GroupRegistry) overlaid with the changes staged earlier in this
// batch. Writes a change's rows into the batch and publishes the overlay only
// when the batch was written, like SeqCounters does for seqs.
//
// Threads: the group-commit writer thread only.

#include <rocksdb/write_batch.h>

#include <string>

#include "base/error.h"
#include "store/common/group_changes.h"
#include "store/rocks/group_registry.h"

namespace parley::store {

class RocksDb;

class GroupStager {
 public:
  GroupStager(RocksDb& db, GroupRegistry& registry) : db_(db), registry_(registry) {}

  // The group at this point of the batch; null when it does not exist.
  base::Result<GroupPtr> Find(const std::string& group_id);

  // Puts the rows of `change` (groups, group_member, user_groups, and the
  // user_conv entries that list the conversation for its members) into
  // `batch`, and makes the new record what Find answers from now on.
  void Stage(rocksdb::WriteBatch& batch, const std::string& conversation_id,
             const GroupChangeOutcome& change);

  // Publishes this batch's records if `written`; then starts afresh.
  void Finish(bool written);

 private:
  RocksDb& db_;
  GroupRegistry& registry_;
  GroupRegistry::Map batch_groups_;  // this batch only
};

}  // namespace parley::store
