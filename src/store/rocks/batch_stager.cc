#include "store/rocks/batch_stager.h"

#include <algorithm>
#include <optional>

#include "base/ids.h"
#include "protocol/message.h"
#include "store/common/conversation_rules.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxKnownMembers = std::size_t{1} << 20;

bool AllKeySafe(const std::vector<std::string>& ids) {
  return std::all_of(ids.begin(), ids.end(), keys::IsKeySafeId);
}

// The key layout relies on ids without '\0'. The core validates ids; this
// only keeps a bad one from corrupting the store.
std::optional<base::Error> CheckIds(const core::AppendRequest& request) {
  if (!keys::IsKeySafeId(request.message.sender_id)) return keys::InvalidId("sender_id");
  if (!keys::IsKeySafeId(request.message.conversation_id))
    return keys::InvalidId("conversation_id");
  if (!AllKeySafe(request.members)) return keys::InvalidId("member id");
  if (const auto& change = request.group_change) {
    if (!keys::IsKeySafeId(change->actor) || !AllKeySafe(change->users)) {
      return keys::InvalidId("group change user id");
    }
  }
  return std::nullopt;
}

}  // namespace

BatchStager::BatchStager(RocksDb& db, SeqCounters& counters, GroupRegistry& groups,
                         RocksOutbox& outbox, const RocksOptions& options)
    : db_(db),
      counters_(counters),
      groups_(db, groups),
      inbox_(db),
      events_(db),
      outbox_(outbox),
      fanout_threshold_(options.fanout_threshold) {}

void BatchStager::Stage(AppendOp& op) {
  op.result = StageAppend(*op.request);
}

base::Result<core::AppendResult> BatchStager::StageAppend(const core::AppendRequest& request) {
  const protocol::Message& m = request.message;
  if (auto error = CheckIds(request)) return std::move(*error);

  std::string msgid_key = keys::MsgIdKey(m.sender_id, m.msg_id);
  if (auto it = batch_msgids_.find(msgid_key); it != batch_msgids_.end()) {
    core::AppendResult duplicate = it->second;
    duplicate.duplicate = true;
    return duplicate;
  }
  PARLEY_ASSIGN_OR_RETURN(auto original, FindStored(msgid_key));
  if (original) return std::move(*original);

  PARLEY_ASSIGN_OR_RETURN(Audience audience, ResolveAudience(request));
  const bool inboxed = WritesInbox(audience.recipients->size(), fanout_threshold_);
  if (inboxed) {
    if (auto prepared = inbox_.Prepare(audience.recipients); !prepared) return prepared.error();
  }
  const bool is_event = protocol::IsEvent(m.msg_type);
  if (is_event) {
    if (auto prepared = events_.Prepare(m); !prepared) return prepared.error();
  }
  // Nothing below fails: the Append's writes go into the batch whole.

  const std::int64_t seq = ++BatchMaxSeq(m.conversation_id);

  std::shared_ptr<const std::string> json;
  if (is_event) {
    protocol::Message stored = m;  // the event stager may blank its content
    stored.seq = seq;
    events_.Stage(batch_, stored);
    json = std::make_shared<const std::string>(protocol::SerializeMessage(stored));
  } else {
    json = std::make_shared<const std::string>(protocol::SerializeMessage(m, seq));
  }
  const std::string message_key = keys::MessageKey(m.conversation_id, seq);
  batch_.Put(db_.cf(Cf::kMessages), message_key, *json);
  batch_.Put(db_.cf(Cf::kMsgId), msgid_key, message_key);
  if (request.outbox) {
    batch_.Put(db_.cf(Cf::kOutbox), keys::EncodeU64(static_cast<std::uint64_t>(outbox_.NextId())),
               outbox_.NewEntryValue(m.conversation_id, seq));
  }
  // No conv_meta: the counter is recovered from the last messages key.

  const std::string sender_key = keys::UserConvKey(m.sender_id, m.conversation_id);
  bool sender_left = false;
  if (audience.change) {
    groups_.Stage(batch_, m.conversation_id, *audience.change);
    const auto& removed = audience.change->removed;
    sender_left = std::binary_search(removed.begin(), removed.end(), m.sender_id);
  } else if (!audience.is_group) {
    for (const std::string& member : request.members) {
      if (member != m.sender_id) EnsureMember(keys::UserConvKey(member, m.conversation_id));
    }
    batch_members_.insert(sender_key);
  }
  // The sender has read its own message. A Put, not a "max" Merge: `seq` is
  // above every durable seq of the conversation, and the core refuses an ACK
  // beyond those (MessageService::Ack), so no stored ack can be higher; a Put
  // also spares the memtable lookup a Merge pays (max_successive_merges) and
  // leaves readers one value instead of an operand chain.
  // Not for a user who just left: the entry would list the group again.
  if (!sender_left) batch_.Put(db_.cf(Cf::kUserConv), sender_key, keys::EncodeU64(seq));

  if (inboxed) inbox_.Stage(audience.recipients, m.conversation_id, seq, m.send_time);

  core::AppendResult result{seq, false, std::move(json), std::move(audience.recipients), inboxed};
  batch_msgids_.emplace(std::move(msgid_key), result);
  return result;
}

base::Result<BatchStager::Audience> BatchStager::ResolveAudience(
    const core::AppendRequest& request) {
  const protocol::Message& m = request.message;
  const auto ref = base::ParseConversationId(m.conversation_id);
  if (!ref) return keys::InvalidId("conversation_id");
  const auto& change = request.group_change;
  if (ref->kind == base::ConversationKind::kPrivate) {
    if (change) return base::MakeError(base::Code::kBadRequest, "group change in a private chat");
    return Audience{false, PrivateMembers(*ref), std::nullopt};
  }

  PARLEY_ASSIGN_OR_RETURN(GroupPtr group, groups_.Find(ref->first));
  if (change) {
    if (change->group_id != ref->first) {
      return base::MakeError(base::Code::kBadRequest, "group change outside its group's chat");
    }
    PARLEY_ASSIGN_OR_RETURN(
        GroupChangeOutcome outcome,
        ApplyGroupChange(group.get(), *change, m.send_time, BatchMaxSeq(m.conversation_id) + 1));
    core::MemberList recipients = outcome.recipients;
    return Audience{true, std::move(recipients), std::move(outcome)};
  }
  if (!group) return base::MakeError(base::Code::kNotFound, "no such group");
  if (!group->IsMember(m.sender_id)) {
    return base::MakeError(base::Code::kForbidden, "not a member of this group");
  }
  return Audience{true, group->info.members, std::nullopt};
}

std::int64_t& BatchStager::BatchMaxSeq(const std::string& conversation_id) {
  auto [max_it, inserted] = batch_max_seq_.try_emplace(conversation_id, 0);
  if (inserted) max_it->second = counters_.Get(conversation_id);
  return max_it->second;
}

// For a duplicate: who the conversation is for now (a group's current
// members; nobody if the id is not a conversation's).
base::Result<core::MemberList> BatchStager::CurrentRecipients(std::string_view conversation_id) {
  const auto ref = base::ParseConversationId(conversation_id);
  GroupPtr group;
  if (ref && ref->kind == base::ConversationKind::kGroup) {
    PARLEY_ASSIGN_OR_RETURN(group, groups_.Find(ref->first));
  }
  return store::CurrentRecipients(ref, group.get());
}

void BatchStager::Stage(CreateUserOp& op) {
  const std::string& user_id = op.request->user_id;
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
    batch_.Put(db_.cf(Cf::kUsers), user_id, keys::EncodeUserRecord(*op.request));
    batch_users_.emplace(user_id, *op.request);
    op.result = {};
  }
}

void BatchStager::Stage(UpdateUserOp& op) {
  const std::string& user_id = op.request->user_id;
  if (!keys::IsKeySafeId(user_id)) {
    op.result = keys::InvalidId("user_id");
    return;
  }
  core::UserRecord current;
  if (auto staged = batch_users_.find(user_id); staged != batch_users_.end()) {
    current = staged->second;
  } else {
    std::string bytes;
    const rocksdb::Status status =
        db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kUsers), user_id, &bytes);
    if (status.IsNotFound()) {
      op.result = base::MakeError(base::Code::kNotFound, "no such user");
      return;
    }
    if (!status.ok()) {
      op.result = StatusToError(status, "read user");
      return;
    }
    base::Result<core::UserRecord> decoded = keys::DecodeUserRecord(user_id, bytes);
    if (!decoded) {
      op.result = decoded.error();
      return;
    }
    current = std::move(*decoded);
  }
  core::UserRecord updated = core::Updated(std::move(current), *op.request);
  batch_.Put(db_.cf(Cf::kUsers), user_id, keys::EncodeUserRecord(updated));
  batch_users_.insert_or_assign(user_id, updated);
  op.result = std::move(updated);
}

rocksdb::WriteBatch* BatchStager::Seal() {
  inbox_.Seal(batch_);
  return &batch_;
}

void BatchStager::Finish(bool written) {
  if (written) {
    counters_.Publish(batch_max_seq_);
    if (known_members_.size() + batch_members_.size() > kMaxKnownMembers) known_members_.clear();
    known_members_.merge(batch_members_);
  }
  groups_.Finish(written);
  inbox_.Finish(written);
  events_.Finish();
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
  // The original's conversation, not the retry's: a retry naming another
  // conversation must not send the original to that conversation's members.
  PARLEY_ASSIGN_OR_RETURN(core::MemberList recipients,
                          CurrentRecipients(keys::FirstIdOfKey(message_key)));
  // Whether the original was inboxed is not stored; this is the decision a
  // message to these recipients would get now.
  const bool inboxed = WritesInbox(recipients->size(), fanout_threshold_);
  return core::AppendResult{*seq, true, std::make_shared<const std::string>(std::move(json)),
                            std::move(recipients), inboxed};
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
