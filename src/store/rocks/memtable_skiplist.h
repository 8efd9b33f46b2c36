#pragma once
// The memtable of the embedded store: a skiplist like RocksDB's own (one
// writer at a time, readers without locks) that follows the insert hint
// RocksDB keeps per key prefix (`memtable_insert_with_hint_prefix_extractor`,
// rocks_db.cc).
//
// Why not RocksDB's: Debian's librocksdb is built without NDEBUG, and its
// skiplist's assertions compare the new key with every level of the insert
// position, about 25 key comparisons per insert however good the hint. That
// was the largest single CPU cost of a write batch (a fifth of parleyd's
// instructions in 1:1 chat). Here an insert right after the previous key of
// its prefix (a conversation's next seq, a user's next inbox run) costs two
// comparisons, plus a search of the levels above the previous key's height.
//
// Threads: RocksDB runs one insert at a time (allow_concurrent_memtable_write
// must be false: this factory cannot insert concurrently, and RocksDB refuses
// to open otherwise); readers run alongside. A node is complete before a
// release store links it in, and readers follow links with acquire loads.

#include <rocksdb/memtablerep.h>

namespace parley::store {

class SkipListMemTableFactory final : public rocksdb::MemTableRepFactory {
 public:
  static const char* kClassName() { return "parley.SkipListMemTable"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                          rocksdb::Allocator* allocator,
                                          const rocksdb::SliceTransform* prefix_extractor,
                                          rocksdb::Logger* logger) override;
};

}  // namespace parley::store
