#pragma once
// Write diffusion: puts a message into each recipient's inbox under the
// recipient's next inbox_seq (docs/design.md "Data model", key layout in
// rocks_keys.h). A batch's entries for one user go into one row, a run
// (inbox_run.h), written by Seal.
//
// The per-user counters live in memory on the writer thread, loaded lazily
// by ReadNewestInboxSeq: a user's newest inbox_seq is the key of its last
// run, so it is durable with the run itself and needs no write of its own
// (the sweeper saves it in user_meta before deleting a user's last run);
// after any crash the counter matches the entries and inbox_seqs are never
// reused. A failed batch discards its values, like SeqCounters. The cache of
// published counters is cleared when it grows past a bound: a miss costs a
// Get and a seek, not a wrong answer.
//
// Threads: the group-commit writer thread only.

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "store/rocks/inbox_run.h"
#include "store/rocks/seq_counters.h"

namespace parley::store {

class RocksDb;

class InboxStager {
 public:
  explicit InboxStager(RocksDb& db) : db_(db) {}

  // Reads the counters of `users` not known yet, so that Stage cannot fail
  // halfway through a message.
  base::Result<void> Prepare(const core::MemberList& users);
  // One inbox entry per user (Prepare'd) for the message at `seq`, held
  // until Seal.
  void Stage(const core::MemberList& users, std::string_view conversation_id, std::int64_t seq,
             std::int64_t send_time);
  // Puts each user's run of this batch into `batch`.
  void Seal(rocksdb::WriteBatch& batch);
  void Finish(bool written);

 private:
  RocksDb& db_;
  SeqCounters::Map published_;  // user -> durable newest inbox_seq
  // user -> the entries staged for it in this batch
  std::unordered_map<std::string, InboxRunBuilder, SeqCounters::Hash, std::equal_to<>> batch_;
  // The runs of the last list staged in this batch, in its order. Messages
  // to one group share its member list object (GroupRegistry), so a batch
  // of k messages to a 500-member group looks its members up once, not k
  // times. Node pointers of batch_ stay valid until it is cleared.
  core::MemberList last_users_;
  std::vector<InboxRunBuilder*> last_runs_;
};

}  // namespace parley::store
