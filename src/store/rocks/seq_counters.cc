#include "store/rocks/seq_counters.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {

// Start-up: a conversation's max seq is the seq of its last `messages` key
// (messages are never deleted, and a message is written in one atomic,
// synced WriteBatch with everything else of its Append, so WAL recovery after
// any crash leaves exactly the acknowledged ones and perhaps a few more whose
// ack was not sent yet — never a gap). One Seek/SeekForPrev pair per
// conversation, not a scan of every message. The append path no longer
// writes conv_meta (one memtable insert per message saved); a conv_meta left
// by an older version is still honoured.
void SeqCounters::Recover(RocksDb& db) {
  auto raise = [this](std::string_view conversation_id, std::int64_t seq) {
    Shard& shard = ShardOf(conversation_id);
    auto [it, inserted] = shard.max_seq.try_emplace(std::string(conversation_id), seq);
    if (!inserted && it->second < seq) it->second = seq;
  };

  std::unique_ptr<rocksdb::Iterator> meta(
      db.db().NewIterator(rocksdb::ReadOptions(), db.cf(Cf::kConvMeta)));
  for (meta->SeekToFirst(); meta->Valid(); meta->Next()) {
    const auto seq = keys::DecodeU64(meta->value().ToStringView());
    if (!seq) throw std::runtime_error("corrupt conv_meta entry for " + meta->key().ToString());
    raise(meta->key().ToStringView(), static_cast<std::int64_t>(*seq));
  }
  if (!meta->status().ok()) {
    throw std::runtime_error("cannot read conv_meta: " + meta->status().ToString());
  }

  std::unique_ptr<rocksdb::Iterator> it(
      db.db().NewIterator(rocksdb::ReadOptions(), db.cf(Cf::kMessages)));
  it->SeekToFirst();
  while (it->Valid()) {
    const std::string conversation_id(keys::FirstIdOfKey(it->key().ToStringView()));
    const std::string end = keys::PrefixEnd(conversation_id);
    it->SeekForPrev(end);  // the conversation's last message
    if (!it->Valid()) break;
    const auto seq = keys::SeqOfMessageKey(it->key().ToStringView());
    if (!seq) throw std::runtime_error("corrupt messages key for " + conversation_id);
    raise(conversation_id, *seq);
    it->Seek(end);  // the next conversation
  }
  if (!it->status().ok()) {
    throw std::runtime_error("cannot read messages: " + it->status().ToString());
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
