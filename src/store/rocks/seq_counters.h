#pragma once
// The published max seq of every conversation: the highest seq whose batch is
// durable and readable. Append never announces a seq before its batch is
// synced, so a reader that sees MaxSeq = N can read every seq <= N.
//
// Threads: Get from any thread. Publish only from the group-commit writer
// thread (one writer, so a batch's new values need no compare-and-swap).
// Sharded so that readers of different conversations rarely share a lock.

#include <array>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::store {

class RocksDb;

class SeqCounters {
 public:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>>;

  // Loads every conversation's max seq: its last `messages` key (and any
  // conv_meta an older version wrote). Throws
  // std::runtime_error on a read error (start-up only).
  void Recover(RocksDb& db);

  // 0 for a conversation without messages.
  std::int64_t Get(std::string_view conversation_id) const;
  // Raises the counters to the given values once their batch is durable.
  void Publish(const Map& max_seqs);

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::shared_mutex mu;
    Map max_seq;
  };
  Shard& ShardOf(std::string_view conversation_id);
  const Shard& ShardOf(std::string_view conversation_id) const;

  std::array<Shard, kShards> shards_;
};

}  // namespace parley::store
