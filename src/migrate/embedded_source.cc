#include "migrate/embedded_source.h"

#include <filesystem>
#include <map>
#include <stdexcept>
#include <utility>

#include "store/rocks/conversation_id_migration.h"
#include "store/rocks/inbox_run.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/outbox_record.h"

namespace parley::migrate {
namespace {

using store::Cf;
using store::RangeScan;
namespace keys = store::keys;

base::Error Corrupt(std::string_view what, std::string_view key) {
  std::string printable;
  for (char c : key) printable += c == '\0' ? '/' : c;
  return base::MakeError(base::Code::kInternal,
                         "corrupt " + std::string(what) + " record '" + printable + "'");
}

base::Error ReadError(const rocksdb::Status& status) {
  return base::MakeError(base::Code::kInternal, "rocksdb: " + status.ToString());
}

// The whole column family, in key order.
struct WholeScan : RangeScan {
  WholeScan(store::RocksDb& db, Cf cf) : RangeScan(db, cf, std::string(), std::string(1, '\xff')) {
    (*this)->SeekToFirst();
  }
};

}  // namespace

EmbeddedSource::EmbeddedSource(std::unique_ptr<store::RocksDb> db) : db_(std::move(db)) {}
EmbeddedSource::~EmbeddedSource() = default;

base::Result<std::unique_ptr<EmbeddedSource>> EmbeddedSource::Open(const std::string& data_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(data_dir) / "CURRENT", ec)) {
    return base::MakeError(base::Code::kNotFound,
                           "'" + data_dir + "' is not the --data-dir of an embedded node");
  }
  store::RocksOptions options;
  options.data_dir = data_dir;
  std::unique_ptr<store::RocksDb> db;
  try {
    db = store::RocksDb::Open(options);
  } catch (const std::runtime_error& e) {
    return base::MakeError(base::Code::kUnavailable,
                           std::string(e.what()) + " (stop parleyd on it, or migrate a backup)");
  }
  if (store::StoreFormatVersion(*db) < store::kFormatColonConversationIds) {
    return base::MakeError(base::Code::kBadRequest,
                           "the data dir was written by an older parleyd: start parleyd on it "
                           "once (it upgrades the store), stop it, then migrate");
  }
  return std::unique_ptr<EmbeddedSource>(new EmbeddedSource(std::move(db)));
}

base::Result<void> EmbeddedSource::ForEachUser(const Visit<core::UserRecord>& visit) {
  WholeScan it(*db_, Cf::kUsers);
  for (; it->Valid(); it->Next()) {
    const std::string id = it->key().ToString();
    auto user = keys::DecodeUserRecord(id, it->value().ToStringView());
    if (!user) return Corrupt("user", id);
    PARLEY_TRY(visit(*user));
  }
  if (!it->status().ok()) return ReadError(it->status());
  return {};
}

base::Result<void> EmbeddedSource::ForEachGroup(const Visit<GroupRecord>& visit) {
  WholeScan it(*db_, Cf::kGroups);
  for (; it->Valid(); it->Next()) {
    const std::string id = it->key().ToString();
    auto info = keys::DecodeGroup(id, it->value().ToStringView());
    if (!info) return Corrupt("group", id);
    GroupRecord group{std::move(*info), {}};
    RangeScan members(*db_, Cf::kGroupMember, keys::Prefix(id), keys::PrefixEnd(id));
    for (members->SeekToFirst(); members->Valid(); members->Next()) {
      auto value = keys::DecodeMember(members->value().ToStringView());
      if (!value) return Corrupt("group member", members->key().ToStringView());
      group.members.push_back(
          MemberRow{std::string(keys::SecondPartOfKey(members->key().ToStringView())), *value});
    }
    if (!members->status().ok()) return ReadError(members->status());
    PARLEY_TRY(visit(group));
  }
  if (!it->status().ok()) return ReadError(it->status());
  return {};
}

base::Result<void> EmbeddedSource::ForEachPosition(const Visit<Position>& visit) {
  // A delivered position exists only where the user is listed (user_conv),
  // so one pass over user_conv with point reads of `delivered` sees all.
  WholeScan it(*db_, Cf::kUserConv);
  for (; it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const auto read = keys::DecodeU64(it->value().ToStringView());
    if (!read) return Corrupt("user_conv", key);
    Position position{std::string(keys::FirstIdOfKey(key)),
                      std::string(keys::SecondPartOfKey(key)), static_cast<std::int64_t>(*read),
                      0};
    std::string delivered;
    const rocksdb::Status status =
        db_->db().Get(rocksdb::ReadOptions(), db_->cf(Cf::kDelivered), it->key(), &delivered);
    if (status.ok()) {
      const auto seq = keys::DecodeU64(delivered);
      if (!seq) return Corrupt("delivered", key);
      position.delivered_seq = static_cast<std::int64_t>(*seq);
    } else if (!status.IsNotFound()) {
      return ReadError(status);
    }
    PARLEY_TRY(visit(position));
  }
  if (!it->status().ok()) return ReadError(it->status());
  return {};
}

base::Result<void> EmbeddedSource::ForEachInbox(std::int64_t oldest_send_time,
                                                const Visit<Inbox>& visit) {
  // Users whose every run was swept keep their newest inbox_seq in user_meta.
  std::map<std::string, std::int64_t> swept;
  {
    WholeScan meta(*db_, Cf::kUserMeta);
    for (; meta->Valid(); meta->Next()) {
      const auto newest = keys::DecodeU64(meta->value().ToStringView());
      if (!newest) return Corrupt("user_meta", meta->key().ToStringView());
      swept[meta->key().ToString()] = static_cast<std::int64_t>(*newest);
    }
    if (!meta->status().ok()) return ReadError(meta->status());
  }
  Inbox inbox;
  auto flush = [&]() -> base::Result<void> {
    if (inbox.user_id.empty()) return {};
    if (auto it = swept.find(inbox.user_id); it != swept.end()) {
      inbox.newest_inbox_seq = std::max(inbox.newest_inbox_seq, it->second);
      swept.erase(it);
    }
    base::Result<void> visited = visit(inbox);
    inbox = Inbox{};
    return visited;
  };
  WholeScan it(*db_, Cf::kInbox);
  for (; it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const std::string_view user = keys::FirstIdOfKey(key);
    if (user != inbox.user_id) {
      PARLEY_TRY(flush());
      inbox.user_id = std::string(user);
    }
    const auto last = keys::InboxSeqOfKey(key);
    if (!last) return Corrupt("inbox", key);
    const auto run = store::ParseInboxRun(*last, it->value().ToStringView());
    if (!run) return Corrupt("inbox", key);
    inbox.newest_inbox_seq = std::max(inbox.newest_inbox_seq, *last);
    // A run's entries came from one batch: its newest send time stands for
    // each of them (the cluster uses it only to trim by retention).
    if (run->newest_send_time < oldest_send_time) continue;
    for (const store::InboxRunEntry& entry : run->entries) {
      inbox.items.push_back(store::InboxItem{entry.inbox_seq, run->newest_send_time, entry.seq,
                                             std::string(entry.conversation_id)});
    }
  }
  if (!it->status().ok()) return ReadError(it->status());
  PARLEY_TRY(flush());
  for (const auto& [user, newest] : swept) {
    inbox.user_id = user;
    inbox.newest_inbox_seq = newest;
    PARLEY_TRY(visit(inbox));
  }
  return {};
}

base::Result<void> EmbeddedSource::ForEachOutboxEntry(const Visit<OutboxRow>& visit) {
  WholeScan it(*db_, Cf::kOutbox);
  for (; it->Valid(); it->Next()) {
    auto stored = store::DecodeOutboxEntry(it->key().ToStringView(), it->value().ToStringView());
    if (!stored) return Corrupt("outbox", it->key().ToStringView());
    PARLEY_TRY(visit(OutboxRow{stored->entry, stored->next_attempt_at}));
  }
  if (!it->status().ok()) return ReadError(it->status());
  return {};
}

base::Result<std::vector<std::string>> EmbeddedSource::Conversations() {
  std::vector<std::string> out;
  WholeScan it(*db_, Cf::kMessages);
  while (it->Valid()) {
    out.emplace_back(keys::FirstIdOfKey(it->key().ToStringView()));
    it->Seek(keys::PrefixEnd(out.back()));  // the next conversation's first message
  }
  if (!it->status().ok()) return ReadError(it->status());
  return out;
}

base::Result<std::vector<protocol::Message>> EmbeddedSource::MessagesAfter(
    const std::string& conversation_id, std::int64_t after_seq, std::size_t limit) {
  std::vector<protocol::Message> out;
  RangeScan it(*db_, Cf::kMessages, keys::MessageKey(conversation_id, after_seq + 1),
               keys::PrefixEnd(conversation_id));
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    auto message = protocol::ParseMessage(it->value().ToStringView());
    if (!message) return Corrupt("message", it->key().ToStringView());
    out.push_back(std::move(*message));
  }
  if (!it->status().ok()) return ReadError(it->status());
  return out;
}

base::Result<protocol::Message> EmbeddedSource::MessageAt(const std::string& conversation_id,
                                                          std::int64_t seq) {
  std::string value;
  const std::string key = keys::MessageKey(conversation_id, seq);
  const rocksdb::Status status =
      db_->db().Get(rocksdb::ReadOptions(), db_->cf(Cf::kMessages), key, &value);
  if (status.IsNotFound()) {
    return base::MakeError(base::Code::kNotFound, "no message " + conversation_id + "/" +
                                                      std::to_string(seq));
  }
  if (!status.ok()) return ReadError(status);
  auto message = protocol::ParseMessage(value);
  if (!message) return Corrupt("message", key);
  return message;
}

base::Result<std::vector<std::int64_t>> EmbeddedSource::EditsOf(const std::string& conversation_id,
                                                                std::int64_t target_seq) {
  std::vector<std::int64_t> out;
  RangeScan it(*db_, Cf::kEdits, keys::EditKey(conversation_id, target_seq, 0),
               keys::EditKey(conversation_id, target_seq + 1, 0));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto seq = keys::EditSeqOfKey(it->key().ToStringView());
    if (!seq) return Corrupt("edits", it->key().ToStringView());
    out.push_back(*seq);
  }
  if (!it->status().ok()) return ReadError(it->status());
  return out;
}

}  // namespace parley::migrate
