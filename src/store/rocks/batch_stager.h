#pragma once
// Builds one group-commit batch: turns queued writes into a single
// rocksdb::WriteBatch and works out each write's result, assuming the batch
// commits. Everything here runs on the writer thread only.
//
// Per Append, in queue order:
//   - idempotency: (sender, msg_id) already stored, or staged earlier in this
//     batch, answers duplicate=true with the original seq and JSON, and the
//     recipients of the original's conversation as they are now;
//   - the audience: a private conversation's two members (from its id); a
//     group's members at this point of the batch (GroupStager), after
//     checking the group exists and the sender is a member; or, for a
//     membership change, the rules of group_changes.h;
//   - seq = max seq of the conversation + 1 (published counter, or the value
//     staged earlier in this batch), so seqs are dense and in queue order;
//   - the message is serialized once; the same bytes are stored and returned;
//   - puts message and msgid entry (no conv_meta: SeqCounters::Recover reads
//     the last messages key); a private conversation's members
//     get a user_conv entry (merge 0), a change's rows go in (GroupStager),
//     and the sender's user_conv gets the seq (auto-ack) unless it just left;
//   - at most fanout_threshold recipients: one inbox entry each (InboxStager);
//   - an event (edit, recall, reaction): its target's new state (EventStager);
//   - with AppendRequest::outbox, the message's webhook outbox entry.
// Every check and read comes before the first write of an Append, so a
// refused Append adds nothing to the batch and the others are unaffected.
// Nothing is published until Finish(true): a failed batch leaves counters,
// groups and caches as they were, so the next batch reuses the same seqs.

#include <rocksdb/write_batch.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "store/rocks/event_stager.h"
#include "store/rocks/group_stager.h"
#include "store/rocks/inbox_stager.h"
#include "store/rocks/rocks_outbox.h"
#include "store/rocks/rocks_options.h"
#include "store/rocks/seq_counters.h"
#include "store/rocks/write_ops.h"

namespace parley::store {

class RocksDb;

class BatchStager {
 public:
  BatchStager(RocksDb& db, SeqCounters& counters, GroupRegistry& groups, RocksOutbox& outbox,
              const RocksOptions& options);

  void Stage(AppendOp& op);
  void Stage(CreateUserOp& op);
  void Stage(UpdateUserOp& op);

  bool empty() const { return batch_.Count() == 0; }
  // Completes the batch (the inbox counters) and returns it for writing.
  rocksdb::WriteBatch* Seal();

  // Called once the batch was written (or failed): publishes the new max
  // seqs, groups and inbox counters only if `written`, then starts afresh.
  void Finish(bool written);

 private:
  // Who a new message is for, and the membership change it carries.
  struct Audience {
    bool is_group = false;
    core::MemberList recipients;
    std::optional<GroupChangeOutcome> change;
  };

  base::Result<core::AppendResult> StageAppend(const core::AppendRequest& request);
  base::Result<Audience> ResolveAudience(const core::AppendRequest& request);
  base::Result<core::MemberList> CurrentRecipients(std::string_view conversation_id);
  // The conversation's highest seq as of this point of the batch; the next
  // append takes one more.
  std::int64_t& BatchMaxSeq(const std::string& conversation_id);
  base::Result<std::optional<core::AppendResult>> FindStored(const std::string& msgid_key);
  void EnsureMember(const std::string& user_conv_key);

  RocksDb& db_;
  SeqCounters& counters_;
  GroupStager groups_;
  InboxStager inbox_;
  EventStager events_;
  RocksOutbox& outbox_;
  const std::size_t fanout_threshold_;
  rocksdb::WriteBatch batch_;

  // This batch only.
  SeqCounters::Map batch_max_seq_;
  std::unordered_map<std::string, core::AppendResult> batch_msgids_;
  // Users created or updated in this batch, as they will be written.
  std::unordered_map<std::string, core::UserRecord> batch_users_;
  std::unordered_set<std::string> batch_members_;

  // Private conversations' user_conv keys known to exist, so a message does
  // not merge a 0 into the other member's entry each time. Cleared when it
  // grows past a bound: a miss costs one Get, not a wrong answer. (Group
  // entries are written by membership changes instead.)
  std::unordered_set<std::string> known_members_;
};

}  // namespace parley::store
