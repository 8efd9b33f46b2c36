#pragma once
// The published (durable) state of every group used since Open: group_id ->
// immutable GroupRecord. Loaded lazily: a group is read from RocksDB the
// first time anyone asks for it, and stays in memory until Close (one record
// per group ever used; no eviction).
//
// Only the group-commit writer changes groups, and it publishes a batch's new
// records only after the batch is synced, so a record seen here is durable.
// Why a reader may fill the cache from RocksDB without racing the writer:
// readers only insert when the group is absent (try_emplace), the writer
// always overwrites on Publish. A reader that loaded an older state either
// inserts it before the writer publishes (and is overwritten) or finds the
// newer record already there (and inserts nothing).
//
// Threads: Find from any thread; Publish from the writer thread only.

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/error.h"
#include "store/common/group_record.h"

namespace parley::store {

class RocksDb;

class GroupRegistry {
 public:
  using Map = std::unordered_map<std::string, GroupPtr>;

  explicit GroupRegistry(RocksDb& db) : db_(db) {}

  // The group, or null when it does not exist; 5xx when it cannot be read.
  base::Result<GroupPtr> Find(const std::string& group_id);
  // Makes a durable batch's group records visible.
  void Publish(const Map& changed);

 private:
  base::Result<GroupPtr> Load(const std::string& group_id);

  RocksDb& db_;
  std::mutex mu_;
  Map groups_;  // guarded by mu_; never holds null
};

}  // namespace parley::store
