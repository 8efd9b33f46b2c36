#pragma once
// The opened RocksDB database and its column families (layout: rocks_keys.h).
//
// Threads: rocksdb::DB is thread-safe; db() and cf() may be used from any
// thread between Open and Close.

#include <rocksdb/db.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/rocks/rocks_options.h"

namespace parley::store {

enum class Cf {
  kMessages,
  kMsgId,
  kUsers,
  kUserConv,
  kConvMeta,
  kGroups,
  kGroupMember,
  kUserGroups,
  kInbox,
  kUserMeta,
  kDelivered,
  kEdits,
  kOutbox,
};

// What RocksDB holds in memory, by its own accounting.
struct RocksMemory {
  std::uint64_t memtables = 0;      // active and flushing, every column family
  std::uint64_t block_cache = 0;    // the shared block cache's charge
  std::uint64_t table_readers = 0;  // index and filter blocks of open SST files
};

class RocksDb {
 public:
  // Creates the directory and the column families if missing. Throws
  // std::runtime_error naming the data dir when the DB cannot be opened
  // (e.g. another process holds its lock).
  static std::unique_ptr<RocksDb> Open(const RocksOptions& options);
  ~RocksDb();
  RocksDb(const RocksDb&) = delete;
  RocksDb& operator=(const RocksDb&) = delete;

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* cf(Cf which) { return handles_[static_cast<std::size_t>(which)]; }

  // Syncs the WAL (acks are written unsynced), flushes the memtables so the
  // next Open has little WAL to replay, and releases the DB. Idempotent.
  void Close();

  // Safe from any thread, also during or after Close (zeros once closed):
  // /metrics reads it on scrape.
  RocksMemory Memory();

  static constexpr std::size_t kCfCount = 13;

 private:
  RocksDb() = default;

  std::mutex close_mu_;  // Memory against Close
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> handles_{};
};

// An iterator over [lower, upper) of one column family. It owns the bounds,
// which RocksDB only borrows, so it can be neither copied nor moved; create it
// in place.
class RangeScan {
 public:
  RangeScan(RocksDb& db, Cf cf, std::string lower, std::string upper,
            rocksdb::ReadOptions read = rocksdb::ReadOptions());
  RangeScan(const RangeScan&) = delete;
  RangeScan& operator=(const RangeScan&) = delete;

  rocksdb::Iterator& operator*() { return *it_; }
  rocksdb::Iterator* operator->() { return it_.get(); }

 private:
  const std::string lower_;
  const std::string upper_;
  const rocksdb::Slice lower_slice_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace parley::store
