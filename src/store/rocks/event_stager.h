#pragma once
// Stages what an event (edit, recall, reaction: protocol/message_events.h)
// does to its target, in the same WriteBatch as the event itself, so the two
// are durable together or not at all:
//   - the target's message value is rewritten in its new state (RocksDB
//     keeps no other live copy: inbox runs hold references, not messages);
//   - an edit gets an `edits` index entry under its target;
//   - a recall rewrites every edit of the target without its content.
// Targets changed earlier in the same batch are read from this batch, not
// from the DB. Runs on the writer thread only (BatchStager).

#include <rocksdb/write_batch.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "protocol/message.h"

namespace parley::store {

class RocksDb;

class EventStager {
 public:
  explicit EventStager(RocksDb& db) : db_(db) {}

  // Reads what `event` needs (its target; for a recall the target's edits).
  // Called before any write of the Append, so an error leaves the batch as
  // it was. 404 when the target is not stored (the core checked it is).
  base::Result<void> Prepare(const protocol::Message& event);
  // Applies the prepared event, whose seq is now set, and puts the changes
  // into `batch`. May blank `event`'s content (an edit of a recalled target).
  void Stage(rocksdb::WriteBatch& batch, protocol::Message& event);
  // The batch was written or dropped: forget what it changed.
  void Finish();

 private:
  RocksDb& db_;
  // This batch: message key -> the message as the batch leaves it, for
  // targets and for edits staged in it.
  std::unordered_map<std::string, protocol::Message> batch_messages_;
  // This batch: target key -> keys of its edits staged in it.
  std::unordered_map<std::string, std::vector<std::string>> batch_edits_;
  // Prepare's result, used by the next Stage.
  std::string target_key_;
  protocol::Message target_;
  std::vector<std::pair<std::string, protocol::Message>> edits_;  // a recall's, from the DB
};

}  // namespace parley::store
