#include "store/rocks/rocks_store.h"

#include <rocksdb/utilities/checkpoint.h>

#include <filesystem>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "store/rocks/conversation_id_migration.h"
#include "store/rocks/group_commit_writer.h"
#include "store/rocks/group_registry.h"
#include "store/rocks/inbox_reader.h"
#include "store/rocks/message_pages.h"
#include "store/rocks/rocks_outbox.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"
#include "store/rocks/seq_counters.h"

namespace parley::store {
namespace {

base::Error Closed() { return base::MakeError(base::Code::kUnavailable, "store closed"); }

// Queues `request` on the writer and suspends the caller until its batch is
// durable; the caller resumes on its own executor. The request lives in this
// frame meanwhile (write_ops.h says why).
template <class Op, class T, class Request>
asio::awaitable<base::Result<T>> SubmitWrite(GroupCommitWriter& writer, Request request) {
  auto submitted = base::Suspend<T>([&writer, &request](base::Completion<T> done) {
    writer.Submit(Op(request, std::move(done)));
  });
  base::Result<T> result = co_await std::move(submitted);
  co_return result;
}

// parley_store_memory_bytes: where the embedded store's memory goes, so an
// operator can tell RocksDB's bounded caches from a leak (docs/operations.md).
void RenderMemory(const std::weak_ptr<RocksDb>& weak, std::string& out) {
  const std::shared_ptr<RocksDb> db = weak.lock();
  if (!db) return;
  const RocksMemory memory = db->Memory();
  base::AppendFamily(out, "parley_store_memory_bytes", "gauge",
                     "Memory the embedded RocksDB store holds, by part.");
  base::AppendSample(out, "parley_store_memory_bytes", "part=\"memtables\"", memory.memtables);
  base::AppendSample(out, "parley_store_memory_bytes", "part=\"block_cache\"", memory.block_cache);
  base::AppendSample(out, "parley_store_memory_bytes", "part=\"table_readers\"",
                     memory.table_readers);
}

}  // namespace

std::unique_ptr<RocksStore> RocksStore::Open(const RocksOptions& options, base::Metrics* metrics) {
  if (!metrics) throw std::invalid_argument("RocksStore::Open: metrics is null");
  if (options.max_pending_writes == 0 || options.max_batch_writes == 0) {
    throw std::invalid_argument("RocksStore::Open: queue and batch bounds must be positive");
  }
  if (!options.clock) throw std::invalid_argument("RocksStore::Open: clock is null");
  if (options.inbox_retention.count() <= 0) {
    throw std::invalid_argument("RocksStore::Open: inbox retention must be positive");
  }
  return std::unique_ptr<RocksStore>(new RocksStore(options, *metrics));
}

RocksStore::RocksStore(const RocksOptions& options, base::Metrics& metrics)
    : clock_(*options.clock),
      inbox_retention_ms_(options.inbox_retention.count()),
      db_(RocksDb::Open(options)),
      counters_(std::make_unique<SeqCounters>()),
      groups_(std::make_unique<GroupRegistry>(*db_)) {
  try {
    // Before anything reads a key: stores written with "private_<a>_<b>" ids.
    MigrateConversationIds(*db_);
    counters_->Recover(*db_);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot recover the RocksDB store in '" + options.data_dir +
                             "': " + e.what());
  }
  metrics.AddCollector([db = std::weak_ptr<RocksDb>(db_)](std::string& out) {
    RenderMemory(db, out);
  });
  metrics.store_batch_size_fed.store(true, std::memory_order_relaxed);
  metrics.store_commit_fed.store(true, std::memory_order_relaxed);
  outbox_ = std::make_unique<RocksOutbox>(*db_, clock_);
  writer_ = std::make_unique<GroupCommitWriter>(*db_, *counters_, *groups_, *outbox_, metrics,
                                                options);
}

RocksStore::~RocksStore() { Close(); }

// One process owns the embedded store: `owner` names nobody else.
asio::awaitable<base::Result<std::vector<core::OutboxEntry>>> RocksStore::ClaimOutbox(
    std::string /*owner*/, std::size_t limit, std::chrono::milliseconds lease) {
  if (closed_) co_return Closed();
  co_return outbox_->Claim(limit, lease);
}

asio::awaitable<base::Result<void>> RocksStore::FinishOutbox(std::vector<std::int64_t> ids) {
  if (closed_) co_return Closed();
  co_return outbox_->Finish(ids);
}

asio::awaitable<base::Result<void>> RocksStore::PostponeOutbox(std::vector<std::int64_t> ids,
                                                               std::int64_t next_attempt_at) {
  if (closed_) co_return Closed();
  co_return outbox_->Postpone(ids, next_attempt_at);
}

void RocksStore::Close() {
  if (closed_.exchange(true)) return;
  writer_->Close();  // completes every queued write first
  db_->Close();
}

base::Result<void> RocksStore::Checkpoint(const std::string& dir) {
  if (closed_) return base::MakeError(base::Code::kUnavailable, "store closed");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return base::MakeError(base::Code::kConflict, "'" + dir + "' exists; name a new directory");
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(&db_->db(), &raw);
  if (!status.ok()) return StatusToError(status, "checkpoint");
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // A flush first (log_size_for_flush 0), so little WAL is copied.
  status = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  if (!status.ok()) return StatusToError(status, "checkpoint into '" + dir + "'");
  return {};
}

std::unique_lock<std::mutex> RocksStore::PauseWriterForTest() { return writer_->PauseForTest(); }

asio::awaitable<base::Result<void>> RocksStore::CreateUser(core::UserRecord user) {
  // Through the writer: the user is durable before the caller hears "created",
  // and the single writer makes check-then-put atomic without a lock.
  co_return co_await SubmitWrite<CreateUserOp, void>(*writer_, std::move(user));
}

asio::awaitable<base::Result<core::UserRecord>> RocksStore::UpdateUser(core::UserUpdate update) {
  co_return co_await SubmitWrite<UpdateUserOp, core::UserRecord>(*writer_, std::move(update));
}

asio::awaitable<base::Result<core::AppendResult>> RocksStore::Append(core::AppendRequest request) {
  co_return co_await SubmitWrite<AppendOp, core::AppendResult>(*writer_, std::move(request));
}

asio::awaitable<base::Result<core::UserRecord>> RocksStore::FindUser(std::string user_id) {
  if (closed_) co_return Closed();
  if (!keys::IsKeySafeId(user_id)) co_return keys::InvalidId("user_id");
  std::string bytes;
  const rocksdb::Status status =
      db_->db().Get(rocksdb::ReadOptions(), db_->cf(Cf::kUsers), user_id, &bytes);
  if (status.IsNotFound()) co_return base::MakeError(base::Code::kNotFound, "no such user");
  if (!status.ok()) co_return StatusToError(status, "read user");
  co_return keys::DecodeUserRecord(user_id, bytes);
}

asio::awaitable<base::Result<core::MessagePage>> RocksStore::ReadAfter(std::string conversation_id,
                                                                       std::int64_t after_seq,
                                                                       std::size_t limit) {
  if (closed_) co_return Closed();
  if (!keys::IsKeySafeId(conversation_id)) co_return keys::InvalidId("conversation_id");
  co_return ReadMessagesAfter(*db_, conversation_id, after_seq, limit);
}

asio::awaitable<base::Result<core::MessagePage>> RocksStore::ReadBefore(std::string conversation_id,
                                                                        std::int64_t before_seq,
                                                                        std::size_t limit) {
  if (closed_) co_return Closed();
  if (!keys::IsKeySafeId(conversation_id)) co_return keys::InvalidId("conversation_id");
  co_return ReadMessagesBefore(*db_, conversation_id, before_seq, limit);
}

asio::awaitable<base::Result<std::int64_t>> RocksStore::MaxSeq(std::string conversation_id) {
  if (closed_) co_return Closed();
  co_return counters_->Get(conversation_id);
}

asio::awaitable<base::Result<std::int64_t>> RocksStore::Ack(std::string user_id,
                                                            std::string conversation_id,
                                                            std::int64_t seq) {
  co_return AckNow(Cf::kUserConv, user_id, conversation_id, seq);
}

asio::awaitable<base::Result<std::int64_t>> RocksStore::AckDelivered(std::string user_id,
                                                                     std::string conversation_id,
                                                                     std::int64_t seq) {
  co_return AckNow(Cf::kDelivered, user_id, conversation_id, seq);
}

asio::awaitable<base::Result<std::vector<core::ReceiptPositions>>> RocksStore::ReadReceipts(
    std::string conversation_id, std::vector<std::string> user_ids) {
  co_return ReceiptsNow(conversation_id, user_ids);
}

base::Result<std::vector<core::ReceiptPositions>> RocksStore::ReceiptsNow(
    const std::string& conversation_id, const std::vector<std::string>& user_ids) {
  if (closed_) return Closed();
  if (!keys::IsKeySafeId(conversation_id)) return keys::InvalidId("conversation_id");
  std::vector<std::string> keys;
  keys.reserve(user_ids.size());
  for (const std::string& user : user_ids) {
    if (!keys::IsKeySafeId(user)) return keys::InvalidId("user_id");
    keys.push_back(keys::UserConvKey(user, conversation_id));
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  // One MultiGet over both column families: acks, then delivered positions.
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), db_->cf(Cf::kUserConv));
  cfs.resize(2 * keys.size(), db_->cf(Cf::kDelivered));
  slices.insert(slices.end(), keys.begin(), keys.end());
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses =
      db_->db().MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  auto position = [&](std::size_t i) -> base::Result<std::int64_t> {
    if (statuses[i].IsNotFound()) return 0;
    if (!statuses[i].ok()) return StatusToError(statuses[i], "read receipts");
    const auto decoded = keys::DecodeU64(values[i]);
    if (!decoded) return base::MakeError(base::Code::kInternal, "store: corrupt ack entry");
    return static_cast<std::int64_t>(*decoded);
  };
  std::vector<core::ReceiptPositions> out;
  out.reserve(user_ids.size());
  for (std::size_t i = 0; i < user_ids.size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::int64_t read, position(i));
    PARLEY_ASSIGN_OR_RETURN(std::int64_t delivered, position(user_ids.size() + i));
    out.push_back(core::ReceiptPositions{user_ids[i], read, delivered});
  }
  return out;
}

base::Result<std::int64_t> RocksStore::AckNow(Cf cf, const std::string& user_id,
                                              const std::string& conversation_id,
                                              std::int64_t seq) {
  if (closed_) return Closed();
  if (!keys::IsKeySafeId(user_id)) return keys::InvalidId("user_id");
  if (!keys::IsKeySafeId(conversation_id)) return keys::InvalidId("conversation_id");
  if (seq < 0) return keys::InvalidId("seq");
  const std::string key = keys::UserConvKey(user_id, conversation_id);
  rocksdb::Status status = db_->db().Merge(rocksdb::WriteOptions(), db_->cf(cf), key,
                                           keys::EncodeU64(static_cast<std::uint64_t>(seq)));
  if (!status.ok()) return StatusToError(status, "write ack");
  // Read back rather than answer `seq`: a concurrent, higher ack may have won.
  std::string value;
  status = db_->db().Get(rocksdb::ReadOptions(), db_->cf(cf), key, &value);
  if (!status.ok()) return StatusToError(status, "read ack");
  const auto position = keys::DecodeU64(value);
  if (!position) return base::MakeError(base::Code::kInternal, "store: corrupt ack entry");
  return static_cast<std::int64_t>(*position);
}

asio::awaitable<base::Result<std::vector<core::ConversationState>>> RocksStore::ListConversations(
    std::string user_id) {
  co_return ListNow(user_id);
}

base::Result<std::vector<core::ConversationState>> RocksStore::ListNow(const std::string& user_id) {
  if (closed_) return Closed();
  if (!keys::IsKeySafeId(user_id)) return keys::InvalidId("user_id");
  const std::string prefix = keys::Prefix(user_id);
  RangeScan it(*db_, Cf::kUserConv, prefix, keys::PrefixEnd(user_id));

  std::vector<core::ConversationState> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    core::ConversationState state;
    state.conversation_id = it->key().ToString().substr(prefix.size());
    // The published counter, not a scan: it only names durable messages.
    state.max_seq = counters_->Get(state.conversation_id);
    if (state.max_seq <= 0) continue;
    const auto ack = keys::DecodeU64(it->value().ToStringView());
    if (!ack) return base::MakeError(base::Code::kInternal, "store: corrupt ack entry");
    state.last_ack_seq = static_cast<std::int64_t>(*ack);
    const rocksdb::Status status = db_->db().Get(
        rocksdb::ReadOptions(), db_->cf(Cf::kMessages),
        keys::MessageKey(state.conversation_id, state.max_seq), &state.last_message_json);
    if (!status.ok()) return StatusToError(status, "read last message");
    out.push_back(std::move(state));
  }
  if (!it->status().ok()) return StatusToError(it->status(), "list conversations");
  return out;
}

asio::awaitable<base::Result<core::GroupInfo>> RocksStore::GetGroup(std::string group_id) {
  co_return GetGroupNow(group_id);
}

base::Result<core::GroupInfo> RocksStore::GetGroupNow(const std::string& group_id) {
  if (closed_) return Closed();
  if (!keys::IsKeySafeId(group_id)) return keys::InvalidId("group_id");
  PARLEY_ASSIGN_OR_RETURN(GroupPtr group, groups_->Find(group_id));
  if (!group) return base::MakeError(base::Code::kNotFound, "no such group");
  return group->info;
}

asio::awaitable<base::Result<std::vector<core::GroupInfo>>> RocksStore::GroupsOf(
    std::string user_id) {
  co_return GroupsOfNow(user_id);
}

base::Result<std::vector<core::GroupInfo>> RocksStore::GroupsOfNow(const std::string& user_id) {
  if (closed_) return Closed();
  if (!keys::IsKeySafeId(user_id)) return keys::InvalidId("user_id");
  RangeScan it(*db_, Cf::kUserGroups, keys::Prefix(user_id), keys::PrefixEnd(user_id));

  std::vector<core::GroupInfo> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string group_id(keys::SecondPartOfKey(it->key().ToStringView()));
    PARLEY_ASSIGN_OR_RETURN(GroupPtr group, groups_->Find(group_id));
    // The index may be ahead of the published records while a batch is
    // being published; the record decides.
    if (group && group->IsMember(user_id)) out.push_back(group->info);
  }
  if (!it->status().ok()) return StatusToError(it->status(), "list groups");
  return out;
}

asio::awaitable<base::Result<core::InboxPage>> RocksStore::ReadInbox(std::string user_id,
                                                                     std::int64_t after_inbox_seq,
                                                                     std::size_t limit) {
  if (closed_) co_return Closed();
  if (!keys::IsKeySafeId(user_id)) co_return keys::InvalidId("user_id");
  co_return ReadInboxPage(*db_, user_id, after_inbox_seq, limit,
                          clock_.NowMs() - inbox_retention_ms_);
}

}  // namespace parley::store
