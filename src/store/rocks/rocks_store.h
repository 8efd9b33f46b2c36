#pragma once
// RocksStore: the embedded (single machine) Store, on RocksDB in a data dir.
//
// Writes (Append, CreateUser) go through one group-commit writer thread
// (group_commit_writer.h): each completes once its batch is synced, on the
// caller's executor. Reads and Ack run inline on the calling I/O thread — a
// deliberate deviation from "never block an I/O thread": they are served from
// the memtable and block cache almost always and never wait for an fsync, and
// a hop to another thread would cost more than the read itself.
//
// Groups: the writer thread is the authority on membership (GroupRegistry,
// loaded lazily; see group_registry.h); GetGroup and GroupsOf read its
// published records, so they only ever show durable membership.
//
// Inbox: messages with at most options.fanout_threshold recipients go into
// every recipient's inbox (inbox_stager.h); entries older than
// options.inbox_retention are reported expired and swept by the writer
// thread (inbox_sweeper.h).
//
// Thread contract: every method may be called from any thread, concurrently,
// until Close(). Close() must not race with calls still in flight other than
// Append (whose callers are completed); afterwards every method answers 503.

#include <atomic>
#include <memory>
#include <mutex>

#include "base/metrics.h"
#include "core/store.h"
#include "store/rocks/rocks_options.h"

namespace parley::store {

namespace asio = boost::asio;

class GroupCommitWriter;
class GroupRegistry;
class RocksOutbox;
class RocksDb;
enum class Cf;
class SeqCounters;

class RocksStore final : public core::Store {
 public:
  // Opens (creating if missing) the store in options.data_dir, migrates a
  // store written with legacy private ids (conversation_id_migration.h) and
  // recovers the seq counters. Throws std::runtime_error naming the data dir on
  // failure, e.g. when another process has it open. `metrics` must outlive
  // the store.
  static std::unique_ptr<RocksStore> Open(const RocksOptions& options, base::Metrics* metrics);
  ~RocksStore() override;  // Close() if needed

  asio::awaitable<base::Result<void>> CreateUser(core::UserRecord user) override;
  asio::awaitable<base::Result<core::UserRecord>> FindUser(std::string user_id) override;
  asio::awaitable<base::Result<core::UserRecord>> UpdateUser(core::UserUpdate update) override;
  // Reads (users, groups, counters) are RocksDB/memory reads on the caller's
  // thread; only writes go through the writer.
  bool ReadsCompleteInline() const override { return true; }
  asio::awaitable<base::Result<core::AppendResult>> Append(core::AppendRequest request) override;
  asio::awaitable<base::Result<core::MessagePage>> ReadAfter(std::string conversation_id,
                                                             std::int64_t after_seq,
                                                             std::size_t limit) override;
  asio::awaitable<base::Result<core::MessagePage>> ReadBefore(std::string conversation_id,
                                                              std::int64_t before_seq,
                                                              std::size_t limit) override;
  asio::awaitable<base::Result<std::int64_t>> MaxSeq(std::string conversation_id) override;
  // Written with sync=false: an ack position is not a message, losing the
  // last few on power loss only shows a message as unread again. The "max"
  // merge operator keeps it monotonic under concurrent acks without a lock.
  asio::awaitable<base::Result<std::int64_t>> Ack(std::string user_id, std::string conversation_id,
                                                  std::int64_t seq) override;
  // Likewise, in the "delivered" column family (same key as the ack).
  asio::awaitable<base::Result<std::int64_t>> AckDelivered(std::string user_id,
                                                           std::string conversation_id,
                                                           std::int64_t seq) override;
  asio::awaitable<base::Result<std::vector<core::ReceiptPositions>>> ReadReceipts(
      std::string conversation_id, std::vector<std::string> user_ids) override;
  asio::awaitable<base::Result<std::vector<core::ConversationState>>> ListConversations(
      std::string user_id) override;
  asio::awaitable<base::Result<core::GroupInfo>> GetGroup(std::string group_id) override;
  asio::awaitable<base::Result<std::vector<core::GroupInfo>>> GroupsOf(
      std::string user_id) override;
  asio::awaitable<base::Result<core::InboxPage>> ReadInbox(std::string user_id,
                                                           std::int64_t after_inbox_seq,
                                                           std::size_t limit) override;
  asio::awaitable<base::Result<std::vector<core::OutboxEntry>>> ClaimOutbox(
      std::string owner, std::size_t limit, std::chrono::milliseconds lease) override;
  asio::awaitable<base::Result<void>> FinishOutbox(std::vector<std::int64_t> ids) override;
  asio::awaitable<base::Result<void>> PostponeOutbox(std::vector<std::int64_t> ids,
                                                     std::int64_t next_attempt_at) override;
  void Close() override;

  // A consistent copy of the store as it is now, in the new directory `dir`
  // (RocksDB's checkpoint: SST files hard-linked when on the same
  // filesystem, the live WAL copied), usable as a --data-dir. Every write
  // acknowledged before the call is in it. Blocks (a flush): not on an I/O
  // thread. 409 when `dir` exists, 500 when RocksDB fails.
  base::Result<void> Checkpoint(const std::string& dir);

  // While held, queued writes wait and then all go into one batch.
  std::unique_lock<std::mutex> PauseWriterForTest();

 private:
  RocksStore(const RocksOptions& options, base::Metrics& metrics);

  // Merges `seq` into the position of `cf` (acks or delivered) and reads
  // the result back.
  base::Result<std::int64_t> AckNow(Cf cf, const std::string& user_id,
                                    const std::string& conversation_id, std::int64_t seq);
  base::Result<std::vector<core::ReceiptPositions>> ReceiptsNow(
      const std::string& conversation_id, const std::vector<std::string>& user_ids);
  base::Result<std::vector<core::ConversationState>> ListNow(const std::string& user_id);
  base::Result<core::GroupInfo> GetGroupNow(const std::string& group_id);
  base::Result<std::vector<core::GroupInfo>> GroupsOfNow(const std::string& user_id);

  const base::Clock& clock_;
  const std::int64_t inbox_retention_ms_;
  // Destroyed in reverse: the writer stops before the counters, groups and
  // the DB go.
  std::shared_ptr<RocksDb> db_;  // shared: /metrics reads its memory (weakly)
  std::unique_ptr<SeqCounters> counters_;
  std::unique_ptr<GroupRegistry> groups_;
  std::unique_ptr<RocksOutbox> outbox_;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::atomic<bool> closed_{false};
};

}  // namespace parley::store
