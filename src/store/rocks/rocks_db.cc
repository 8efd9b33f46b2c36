#include "store/rocks/rocks_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/rocks/memtable_skiplist.h"

namespace parley::store {
namespace {

// Same order as enum Cf.
constexpr const char* kCfNames[RocksDb::kCfCount] = {
    "messages", "msgid",        "users",       "user_conv", "conv_meta",
    "groups",   "group_member", "user_groups", "inbox",     "user_meta",
    "delivered", "edits",       "outbox"};

// The insert hint of the memtable: every key of Parley is `id '\0' rest` (one
// id's keys sort together, usually appended in order: a conversation's seqs,
// a user's inbox_seqs) or a single id overwritten again and again (conv_meta,
// user_meta, a sender's user_conv). RocksDB keeps the last insert per prefix,
// and our memtable (memtable_skiplist.h) links a key that follows it with two
// comparisons instead of a search from the top. Writes only: reads and
// iteration order do not change (this is not `prefix_extractor`).
class IdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "parley.IdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), '\0', key.size());
    if (!nul) return key;
    return rocksdb::Slice(key.data(), static_cast<const char*>(nul) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

[[noreturn]] void Fail(const RocksOptions& options, const std::string& why) {
  throw std::runtime_error("cannot open the RocksDB store in '" + options.data_dir + "': " + why);
}

rocksdb::ColumnFamilyOptions CfOptions(const RocksOptions& options,
                                       const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (msgid, users, the last message) dominate outside paging.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Block checksums: Debian's RocksDB has no hardware CRC32c (the software one
  // was ~3% of parleyd's CPU with flushes and compactions); XXH3 is several
  // times faster in software. Older files keep their CRC32c and still read.
  table.checksum = rocksdb::kXXH3;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // L0 and L1 files are rewritten by the next compaction within minutes:
  // compressing them spends CPU (snappy was ~4% of parleyd's) on data that
  // is about to be read back and rewritten. Deeper levels, where data stays,
  // are compressed.
  cf.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression,
                              rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                              rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                              rocksdb::kLZ4Compression};
  cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<IdPrefix>();
  cf.memtable_factory = std::make_shared<SkipListMemTableFactory>();
  // A whole-key Bloom filter in front of the memtable: the point lookups of
  // the write path mostly miss (a new msg_id, a user_conv entry not yet
  // written), and a miss then skips the skiplist search.
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  return cf;
}

}  // namespace

std::unique_ptr<RocksDb> RocksDb::Open(const RocksOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) Fail(options, ec.message());

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // One writer thread writes every batch, so concurrent memtable inserts
  // would buy nothing; and our memtable (memtable_skiplist.h) has none.
  db_options.allow_concurrent_memtable_write = false;
  db_options.db_write_buffer_size = options.memtable_budget_bytes;
  // Flushes and compactions hand their file's dirty pages to the kernel a
  // megabyte at a time instead of all at their final sync: a sync of tens of
  // megabytes stalls the disk under the WAL's fdatasync, which every ack
  // waits for (bench/README.md "Latency at half load").
  db_options.bytes_per_sync = 1 << 20;

  const auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const rocksdb::ColumnFamilyOptions cf_options = CfOptions(options, cache);
  rocksdb::ColumnFamilyOptions user_conv_options = cf_options;
  // Acks and memberships are merged with a byte-wise max: an ack never moves
  // back whatever the order of concurrent writers, without a read-modify-write.
  rocksdb::Status status = rocksdb::MergeOperator::CreateFromString(
      rocksdb::ConfigOptions(), "max", &user_conv_options.merge_operator);
  if (!status.ok()) Fail(options, "max merge operator: " + status.ToString());
  // A sender acks every message it sends: fold its operands at write time so
  // reads of a busy key do not walk a long operand chain.
  user_conv_options.max_successive_merges = 16;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (std::size_t i = 0; i < kCfCount; ++i) {
    // Delivered positions move forward like acks.
    const bool max_merged = i == static_cast<std::size_t>(Cf::kUserConv) ||
                            i == static_cast<std::size_t>(Cf::kDelivered);
    descriptors.emplace_back(kCfNames[i], max_merged ? user_conv_options : cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::Open(db_options, options.data_dir, descriptors, &handles, &raw);
  if (!status.ok()) Fail(options, status.ToString());

  std::unique_ptr<RocksDb> out(new RocksDb());
  out->block_cache_ = cache;
  out->db_.reset(raw);
  out->default_cf_ = handles[0];
  for (std::size_t i = 0; i < kCfCount; ++i) out->handles_[i] = handles[i + 1];
  return out;
}

RocksDb::~RocksDb() { Close(); }

RocksMemory RocksDb::Memory() {
  RocksMemory memory;
  std::lock_guard lock(close_mu_);
  if (!db_) return memory;
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &memory.memtables);
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem,
                                &memory.table_readers);
  // Not the per-family property: every family shares this one cache.
  memory.block_cache = block_cache_->GetUsage();
  return memory;
}

void RocksDb::Close() {
  std::lock_guard lock(close_mu_);
  if (!db_) return;
  // Best effort: a failure here loses at most unsynced acks (messages were
  // synced when written), and the next Open replays whatever the WAL holds.
  db_->SyncWAL().PermitUncheckedError();
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(), handles_.end());
  db_->Flush(rocksdb::FlushOptions(), all).PermitUncheckedError();
  for (auto* handle : all) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  db_->DestroyColumnFamilyHandle(default_cf_).PermitUncheckedError();
  handles_.fill(nullptr);
  default_cf_ = nullptr;
  db_->Close().PermitUncheckedError();
  db_.reset();
}

RangeScan::RangeScan(RocksDb& db, Cf cf, std::string lower, std::string upper,
                     rocksdb::ReadOptions read)
    : lower_(std::move(lower)),
      upper_(std::move(upper)),
      lower_slice_(lower_),
      upper_slice_(upper_) {
  read.iterate_lower_bound = &lower_slice_;
  read.iterate_upper_bound = &upper_slice_;
  it_.reset(db.db().NewIterator(read, db.cf(cf)));
}

}  // namespace parley::store
