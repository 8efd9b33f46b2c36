#pragma once
// Builds one group-commit batch: turns queued writes into a single
// rocksdb::WriteBatch and works out each write's result, assuming the batch
// commits. Everything here runs on the writer thread only.
//
// Per Append, in queue order:
//   - idempotency: (sender, msg_id) already stored, or staged earlier in this
//     batch, answers duplicate=true with the original seq and JSON;
//   - seq = max seq of the conversation + 1 (published counter, or the value
//     staged earlier in this batch), so seqs are dense and in queue order;
//   - the message is serialized once; the same bytes are stored and returned;
//   - puts message, msgid entry, conv_meta; merges 0 into each member's
//     user_conv entry (creates it) and seq into the sender's (auto-ack).
// Nothing is published until Finish(true): a failed batch leaves counters and
// caches as they were, so the next batch reuses the same seqs.

#include <rocksdb/write_batch.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "store/rocks/seq_counters.h"
#include "store/rocks/write_ops.h"

namespace parley::store {

class RocksDb;

class BatchStager {
 public:
  BatchStager(RocksDb& db, SeqCounters& counters);

  void Stage(AppendOp& op);
  void Stage(CreateUserOp& op);

  bool empty() const { return batch_.Count() == 0; }
  rocksdb::WriteBatch* batch() { return &batch_; }

  // Called once the batch was written (or failed): publishes the new max
  // seqs and memberships only if `written`, then starts an empty batch.
  void Finish(bool written);

 private:
  struct Staged {
    std::int64_t seq;
    std::shared_ptr<const std::string> json;
  };

  base::Result<std::optional<core::AppendResult>> FindStored(const std::string& msgid_key);
  void EnsureMember(const std::string& user_conv_key);

  RocksDb& db_;
  SeqCounters& counters_;
  rocksdb::WriteBatch batch_;

  // This batch only.
  SeqCounters::Map batch_max_seq_;
  std::unordered_map<std::string, Staged> batch_msgids_;
  std::unordered_set<std::string> batch_users_;
  std::unordered_set<std::string> batch_members_;

  // user_conv keys known to exist, so a group message does not merge a 0 into
  // every member's entry each time. Cleared when it grows past a bound: a
  // miss costs one Get, not a wrong answer.
  std::unordered_set<std::string> known_members_;
};

}  // namespace parley::store
