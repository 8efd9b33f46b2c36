#include "store/rocks/event_stager.h"

#include "protocol/message_events.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

base::Error Corrupt(const char* what) {
  return base::MakeError(base::Code::kInternal, std::string("store: ") + what);
}

}  // namespace

base::Result<void> EventStager::Prepare(const protocol::Message& event) {
  target_key_ = keys::MessageKey(event.conversation_id, event.target_seq);
  edits_.clear();
  if (auto it = batch_messages_.find(target_key_); it != batch_messages_.end()) {
    target_ = it->second;
  } else {
    std::string json;
    const rocksdb::Status status =
        db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kMessages), target_key_, &json);
    if (status.IsNotFound()) {
      return base::MakeError(base::Code::kNotFound, "the target message is not stored");
    }
    if (!status.ok()) return StatusToError(status, "read event target");
    auto parsed = protocol::ParseMessage(json);
    if (!parsed) return Corrupt("unreadable event target");
    target_ = std::move(*parsed);
  }
  if (event.msg_type != protocol::kMsgTypeRecall || target_.recalled) return {};

  // The target's edits written by earlier batches; a bounded number in
  // practice (each is a CHAT of its sender within the edit window).
  RangeScan scan(db_, Cf::kEdits, keys::EditKey(event.conversation_id, event.target_seq, 0),
                 keys::EditKey(event.conversation_id, event.target_seq + 1, 0));
  for (scan->SeekToFirst(); scan->Valid(); scan->Next()) {
    const auto edit_seq = keys::EditSeqOfKey(scan->key().ToStringView());
    if (!edit_seq) return Corrupt("malformed edits key");
    std::string key = keys::MessageKey(event.conversation_id, *edit_seq);
    if (batch_messages_.contains(key)) continue;  // staged in this batch: Stage has it
    std::string json;
    const rocksdb::Status status =
        db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kMessages), key, &json);
    if (!status.ok()) return StatusToError(status, "read an edit of a recalled message");
    auto edit = protocol::ParseMessage(json);
    if (!edit) return Corrupt("unreadable edit");
    edits_.emplace_back(std::move(key), std::move(*edit));
  }
  if (!scan->status().ok()) return StatusToError(scan->status(), "scan edits");
  return {};
}

void EventStager::Stage(rocksdb::WriteBatch& batch, protocol::Message& event) {
  const protocol::EventEffect effect = protocol::ApplyEvent(event, target_);
  if (event.msg_type == protocol::kMsgTypeEdit) {
    std::string edit_key = keys::MessageKey(event.conversation_id, event.seq);
    batch.Put(db_.cf(Cf::kEdits), keys::EditKey(event.conversation_id, event.target_seq, event.seq),
              rocksdb::Slice());
    batch_messages_[edit_key] = event;
    batch_edits_[target_key_].push_back(std::move(edit_key));
  }
  if (effect != protocol::EventEffect::kApplied) return;
  batch.Put(db_.cf(Cf::kMessages), target_key_, protocol::SerializeMessage(target_));
  if (event.msg_type == protocol::kMsgTypeRecall) {
    for (auto& [key, edit] : edits_) {
      protocol::EraseEditContent(edit);
      batch.Put(db_.cf(Cf::kMessages), key, protocol::SerializeMessage(edit));
    }
    for (const std::string& key : batch_edits_[target_key_]) {
      protocol::Message& edit = batch_messages_[key];
      protocol::EraseEditContent(edit);
      batch.Put(db_.cf(Cf::kMessages), key, protocol::SerializeMessage(edit));
    }
  }
  batch_messages_[target_key_] = std::move(target_);
}

void EventStager::Finish() {
  batch_messages_.clear();
  batch_edits_.clear();
  edits_.clear();
}

}  // namespace parley::store
