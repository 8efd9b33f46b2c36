#include "store/rocks/conversation_id_migration.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "store/rocks/inbox_run.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {
namespace json = boost::json;

constexpr std::string_view kFormatKey = "parley.format";
// Every private id, old or new, starts with it; groups ("group_…") sort before.
constexpr std::string_view kPrivatePrefix = "private_";

[[noreturn]] void Fail(const std::string& why) {
  throw std::runtime_error("conversation id migration: " + why);
}

void Check(const rocksdb::Status& status, const char* what) {
  if (!status.ok()) Fail(std::string(what) + ": " + status.ToString());
}

// The new id of a legacy private id; nullopt for anything else (new ids,
// groups), which stays as it is.
std::optional<std::string> Renamed(std::string_view conversation_id) {
  const auto legacy = base::ParseLegacyPrivateConversationId(conversation_id);
  if (!legacy) return std::nullopt;
  return base::PrivateConversationId(legacy->first, legacy->second);
}

// Collects rows into synced WriteBatches of bounded size.
class BatchWriter {
 public:
  BatchWriter(RocksDb& db, std::size_t max_rows) : db_(db), max_rows_(std::max<std::size_t>(max_rows, 1)) {}
  ~BatchWriter() = default;

  rocksdb::WriteBatch& batch() { return batch_; }
  // One row's writes are staged: flush when the batch is full.
  void RowDone() {
    if (++rows_ >= max_rows_) Flush();
  }
  void Flush() {
    if (rows_ == 0) return;
    rocksdb::WriteOptions write;
    write.sync = true;
    Check(db_.db().Write(write, &batch_), "write");
    batch_.Clear();
    rows_ = 0;
  }

 private:
  RocksDb& db_;
  const std::size_t max_rows_;
  rocksdb::WriteBatch batch_;
  std::size_t rows_ = 0;
};

std::unique_ptr<rocksdb::Iterator> Scan(RocksDb& db, Cf cf) {
  // Without a snapshot of its own an iterator still reads the state as of its
  // creation, so rows written under new ids meanwhile never show up in it.
  return std::unique_ptr<rocksdb::Iterator>(db.db().NewIterator(rocksdb::ReadOptions(), db.cf(cf)));
}

// Messages: key, the JSON's conversation_id, and the msgid entry pointing at it.
void MoveMessages(RocksDb& db, BatchWriter& out, ConversationIdMigrationStats& stats) {
  auto it = Scan(db, Cf::kMessages);
  it->Seek(rocksdb::Slice(kPrivatePrefix.data(), kPrivatePrefix.size()));
  while (it->Valid() && it->key().starts_with(rocksdb::Slice(kPrivatePrefix.data(),
                                                               kPrivatePrefix.size()))) {
    const std::string conversation_id(keys::FirstIdOfKey(it->key().ToStringView()));
    const std::optional<std::string> renamed = Renamed(conversation_id);
    if (!renamed) {
      it->Seek(keys::PrefixEnd(conversation_id));  // the next conversation
      continue;
    }
    ++stats.conversations;
    const std::string prefix = keys::Prefix(conversation_id);
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string old_key = it->key().ToString();
      const auto seq = keys::SeqOfMessageKey(old_key);
      if (!seq) Fail("corrupt messages key in " + conversation_id);
      boost::system::error_code ec;
      json::value parsed = json::parse(it->value().ToStringView(), ec);
      json::object* message = ec ? nullptr : parsed.if_object();
      const json::value* sender = message ? message->if_contains("sender_id") : nullptr;
      const json::value* msg_id = message ? message->if_contains("msg_id") : nullptr;
      if (!sender || !sender->is_string() || !msg_id || !msg_id->is_string()) {
        Fail("corrupt message " + std::to_string(*seq) + " of " + conversation_id);
      }
      // The idempotency entry of (sender, msg_id) points at the message's
      // key. Made before the rename below: inserting a field may move the
      // object's storage, and `sender` and `msg_id` with it.
      const std::string msgid_key =
          keys::MsgIdKey(std::string_view(sender->get_string()), std::string_view(msg_id->get_string()));
      // Every other field stays as it was, in its order: the JSON is what
      // readers are served byte for byte.
      (*message)["conversation_id"] = *renamed;
      const std::string new_key = keys::MessageKey(*renamed, *seq);
      out.batch().Put(db.cf(Cf::kMessages), new_key, json::serialize(*message));
      out.batch().Delete(db.cf(Cf::kMessages), old_key);

      std::string points_at;
      const rocksdb::Status found =
          db.db().Get(rocksdb::ReadOptions(), db.cf(Cf::kMsgId), msgid_key, &points_at);
      if (!found.IsNotFound()) Check(found, "read msgid");
      if (found.ok() && points_at == old_key) {
        out.batch().Put(db.cf(Cf::kMsgId), msgid_key, new_key);
      }
      ++stats.messages;
      out.RowDone();
    }
    Check(it->status(), "read messages");
  }
  Check(it->status(), "read messages");
}

// user_conv: user '\0' conv -> ack. A "max" merge keeps the higher ack should
// a re-run find the new key written already.
void MoveAcks(RocksDb& db, BatchWriter& out, ConversationIdMigrationStats& stats) {
  auto it = Scan(db, Cf::kUserConv);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const std::optional<std::string> renamed = Renamed(keys::SecondPartOfKey(key));
    if (!renamed) continue;
    out.batch().Merge(db.cf(Cf::kUserConv), keys::UserConvKey(keys::FirstIdOfKey(key), *renamed),
                      it->value());
    out.batch().Delete(db.cf(Cf::kUserConv), it->key());
    ++stats.acks;
    out.RowDone();
  }
  Check(it->status(), "read user_conv");
}

// conv_meta (written by older versions): conv -> be64(max_seq).
void MoveConvMeta(RocksDb& db, BatchWriter& out, ConversationIdMigrationStats& stats) {
  auto it = Scan(db, Cf::kConvMeta);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<std::string> renamed = Renamed(it->key().ToStringView());
    if (!renamed) continue;
    std::string value = it->value().ToString();
    std::string existing;
    const rocksdb::Status found =
        db.db().Get(rocksdb::ReadOptions(), db.cf(Cf::kConvMeta), *renamed, &existing);
    if (!found.IsNotFound()) Check(found, "read conv_meta");
    if (found.ok() && existing.size() == 8 && existing > value) value = existing;  // big-endian
    out.batch().Put(db.cf(Cf::kConvMeta), *renamed, value);
    out.batch().Delete(db.cf(Cf::kConvMeta), it->key());
    ++stats.conv_meta;
    out.RowDone();
  }
  Check(it->status(), "read conv_meta");
}

// inbox: a run is rewritten in place (same key, same inbox_seqs and time)
// when one of its entries names a legacy id.
void RewriteInboxRuns(RocksDb& db, BatchWriter& out, ConversationIdMigrationStats& stats) {
  auto it = Scan(db, Cf::kInbox);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto last_inbox_seq = keys::InboxSeqOfKey(it->key().ToStringView());
    // A corrupt row is left alone: the reader reports it either way.
    const auto run =
        last_inbox_seq ? ParseInboxRun(*last_inbox_seq, it->value().ToStringView()) : std::nullopt;
    if (!run) continue;
    const bool names_legacy = std::any_of(run->entries.begin(), run->entries.end(),
                                          [](const InboxRunEntry& e) {
                                            return Renamed(e.conversation_id).has_value();
                                          });
    if (!names_legacy) continue;
    InboxRunBuilder builder(run->first_inbox_seq);
    for (const InboxRunEntry& entry : run->entries) {
      const std::optional<std::string> renamed = Renamed(entry.conversation_id);
      builder.Add(renamed ? std::string_view(*renamed) : entry.conversation_id, entry.seq,
                  run->newest_send_time);
    }
    out.batch().Put(db.cf(Cf::kInbox), it->key(), builder.Value());
    ++stats.inbox_runs;
    out.RowDone();
  }
  Check(it->status(), "read inbox");
}

}  // namespace

std::uint64_t StoreFormatVersion(RocksDb& db) {
  std::string value;
  const rocksdb::Status status = db.db().Get(rocksdb::ReadOptions(), db.db().DefaultColumnFamily(),
                                             std::string(kFormatKey), &value);
  if (status.IsNotFound()) return 1;
  Check(status, "read the format key");
  const auto version = keys::DecodeU64(value);
  if (!version) Fail("corrupt format key");
  return *version;
}

ConversationIdMigrationStats MigrateConversationIds(RocksDb& db, std::size_t batch_rows) {
  ConversationIdMigrationStats stats;
  if (StoreFormatVersion(db) >= kFormatColonConversationIds) return stats;
  stats.ran = true;
  BatchWriter out(db, batch_rows);
  MoveMessages(db, out, stats);
  MoveAcks(db, out, stats);
  MoveConvMeta(db, out, stats);
  RewriteInboxRuns(db, out, stats);
  out.Flush();
  // Last, and synced: until it is durable a restart runs all of this again,
  // which finds only what is not moved yet.
  rocksdb::WriteOptions write;
  write.sync = true;
  Check(db.db().Put(write, db.db().DefaultColumnFamily(), std::string(kFormatKey),
                    keys::EncodeU64(kFormatColonConversationIds)),
        "write the format key");
  return stats;
}

}  // namespace parley::store
