#include "store/rocks/batch_stager.h"

#include <algorithm>
#include <optional>

#include "protocol/message.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxKnownMembers = std::size_t{1} << 20;

// The key layout relies on ids without '\0'. The core validates ids; this
// only keeps a bad one from corrupting the store.
std::optional<base::Error> CheckIds(const core::AppendRequest& request) {
  if (!keys::IsKeySafeId(request.message.sender_id)) return keys::InvalidId("sender_id");
  if (!keys::IsKeySafeId(request.message.conversation_id))
    return keys::InvalidId("conversation_id");
  if (!std::all_of(request.members.begin(), request.members.end(), keys::IsKeySafeId)) {
    return keys::InvalidId("member id");
  }
  return std::nullopt;
}

}  // namespace

BatchStager::BatchStager(RocksDb& db, SeqCounters& counters) : db_(db), counters_(counters) {}

void BatchStager::Stage(AppendOp& op) {
  const protocol::Message& m = op.request.message;
  if (auto error = CheckIds(op.request)) {
    op.result = std::move(*error);
    return;
  }

  std::string msgid_key = keys::MsgIdKey(m.sender_id, m.msg_id);
  if (auto it = batch_msgids_.find(msgid_key); it != batch_msgids_.end()) {
    op.result = core::AppendResult{it->second.seq, true, it->second.json};
    return;
  }
  auto original = FindStored(msgid_key);
  if (!original || *original) {
    op.result =
        original ? std::move(**original) : base::Result<core::AppendResult>(original.error());
    return;
  }

  auto [max_it, inserted] = batch_max_seq_.try_emplace(m.conversation_id, 0);
  if (inserted) max_it->second = counters_.Get(m.conversation_id);
  const std::int64_t seq = ++max_it->second;

  protocol::Message stored = m;
  stored.seq = seq;
  auto json = std::make_shared<const std::string>(protocol::SerializeMessage(stored));
  const std::string message_key = keys::MessageKey(m.conversation_id, seq);

  batch_.Put(db_.cf(Cf::kMessages), message_key, *json);
  batch_.Put(db_.cf(Cf::kMsgId), msgid_key, message_key);
  batch_.Put(db_.cf(Cf::kConvMeta), m.conversation_id, keys::EncodeU64(seq));
  for (const std::string& member : op.request.members) {
    if (member != m.sender_id) EnsureMember(keys::UserConvKey(member, m.conversation_id));
  }
  const std::string sender_key = keys::UserConvKey(m.sender_id, m.conversation_id);
  batch_.Merge(db_.cf(Cf::kUserConv), sender_key, keys::EncodeU64(seq));
  batch_members_.insert(sender_key);

  batch_msgids_.emplace(std::move(msgid_key), Staged{seq, json});
  op.result = core::AppendResult{seq, false, std::move(json)};
}

void BatchStager::Stage(CreateUserOp& op) {
  const std::string& user_id = op.request.user_id;
  if (!keys::IsKeySafeId(user_id)) {
    op.result = keys::InvalidId("user_id");
    return;
  }
  if (batch_users_.contains(user_id)) {
    op.result = base::MakeError(base::Code::kConflict, "user id taken");
    return;
  }
  std::string existing;
  const rocksdb::Status status =
      db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kUsers), user_id, &existing);
  if (status.ok()) {
    op.result = base::MakeError(base::Code::kConflict, "user id taken");
  } else if (!status.IsNotFound()) {
    op.result = StatusToError(status, "read user");
  } else {
    batch_.Put(db_.cf(Cf::kUsers), user_id, keys::EncodeUserRecord(op.request));
    batch_users_.insert(user_id);
    op.result = {};
  }
}

void BatchStager::Finish(bool written) {
  if (written) {
    counters_.Publish(batch_max_seq_);
    if (known_members_.size() + batch_members_.size() > kMaxKnownMembers) known_members_.clear();
    known_members_.merge(batch_members_);
  }
  batch_.Clear();
  batch_max_seq_.clear();
  batch_msgids_.clear();
  batch_users_.clear();
  batch_members_.clear();
}

// The stored message of `msgid_key`, as a duplicate; nullopt when there is none.
base::Result<std::optional<core::AppendResult>> BatchStager::FindStored(
    const std::string& msgid_key) {
  const rocksdb::ReadOptions read;
  std::string message_key;
  rocksdb::Status status = db_.db().Get(read, db_.cf(Cf::kMsgId), msgid_key, &message_key);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) return StatusToError(status, "read msgid index");

  std::string json;
  status = db_.db().Get(read, db_.cf(Cf::kMessages), message_key, &json);
  // The index and the message are written in one batch, so a miss is corruption.
  if (status.IsNotFound()) return base::MakeError(base::Code::kInternal, "store: dangling msgid");
  if (!status.ok()) return StatusToError(status, "read duplicate message");
  const auto seq = keys::SeqOfMessageKey(message_key);
  if (!seq) return base::MakeError(base::Code::kInternal, "store: corrupt msgid entry");
  return core::AppendResult{*seq, true, std::make_shared<const std::string>(std::move(json))};
}

void BatchStager::EnsureMember(const std::string& user_conv_key) {
  if (known_members_.contains(user_conv_key) || batch_members_.contains(user_conv_key)) return;
  std::string ack;
  const rocksdb::Status status =
      db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kUserConv), user_conv_key, &ack);
  if (status.ok()) {
    known_members_.insert(user_conv_key);
    return;
  }
  // Absent (or unreadable: merging 0 into an existing entry changes nothing).
  batch_.Merge(db_.cf(Cf::kUserConv), user_conv_key, keys::EncodeU64(0));
  batch_members_.insert(user_conv_key);
}

}  // namespace parley::store
