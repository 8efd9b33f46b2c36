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
// instructions in 1:1 chat). Here each prefix's hint is a finger, where its
// previous insert went on every level: an insert right after it (a
// conversation's next seq, a user's next inbox run) or right before it (a key
// written again, like a sender's read position) costs a comparison or two a
// level on nodes just touched, not a search from the top (SkipList::Link).
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
