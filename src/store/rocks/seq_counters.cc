#include "store/rocks/seq_counters.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {

// Start-up consistency: conv_meta is written in the same atomic, synced
// WriteBatch as the messages it counts, so after any crash (kill -9, power
// loss) WAL recovery yields a conv_meta that equals the highest stored seq of
// each conversation; no scan of `messages` is needed to repair it.
void SeqCounters::Recover(RocksDb& db) {
  std::unique_ptr<rocksdb::Iterator> it(
      db.db().NewIterator(rocksdb::ReadOptions(), db.cf(Cf::kConvMeta)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto seq = keys::DecodeU64(it->value().ToStringView());
    if (!seq) throw std::runtime_error("corrupt conv_meta entry for " + it->key().ToString());
    Shard& shard = ShardOf(it->key().ToStringView());
    shard.max_seq.insert_or_assign(it->key().ToString(), static_cast<std::int64_t>(*seq));
  }
  if (!it->status().ok()) {
    throw std::runtime_error("cannot read conv_meta: " + it->status().ToString());
  }
}

std::int64_t SeqCounters::Get(std::string_view conversation_id) const {
  const Shard& shard = ShardOf(conversation_id);
  std::shared_lock lock(shard.mu);
  const auto it = shard.max_seq.find(conversation_id);
  return it == shard.max_seq.end() ? 0 : it->second;
}

void SeqCounters::Publish(const Map& max_seqs) {
  for (const auto& [conversation_id, seq] : max_seqs) {
    Shard& shard = ShardOf(conversation_id);
    std::unique_lock lock(shard.mu);
    shard.max_seq.insert_or_assign(conversation_id, seq);
  }
}

SeqCounters::Shard& SeqCounters::ShardOf(std::string_view conversation_id) {
  return shards_[Hash{}(conversation_id) % kShards];
}

const SeqCounters::Shard& SeqCounters::ShardOf(std::string_view conversation_id) const {
  return shards_[Hash{}(conversation_id) % kShards];
}

}  // namespace parley::store
