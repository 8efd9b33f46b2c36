#pragma once
// RedisMysqlStore: the cluster-mode Store (docs/design.md "Deployment modes").
// Redis is the index and the cache (seq counters, inboxes, the idempotency
// cache, group membership as of the newest seq); MySQL is the truth
// (messages, users, groups, ack positions). Every Redis key is re-seeded
// from MySQL when Redis has lost it (cluster_keys.h).
//
// Append, the hot path:
//   1. ONE Redis round trip (lua_scripts.h): idempotency check, membership
//      check, seq = INCR, "pending" msgid entry, inbox entries;
//   2. group commit (group_committer.h): the row goes into MySQL with every
//      other append of the moment, in one transaction;
//   3. the caller hears "stored" only after the COMMIT; the msgid entry then
//      becomes "committed" in the background.
// Membership changes take a per-group Redis lock, read the group, apply the
// embedded store's rules (store/common/group_changes.h, the same function),
// then a script writes the new membership and assigns the seq together, so
// a message's recipients are exactly the members at its seq.
//
// Seq holes: a seq is assigned before its row is durable. When the row's
// batch fails (MySQL down), the append answers 503 but its pending msgid
// entry stays (TTL restarted): the seq is reserved for the message, and its
// retry, through any gateway, commits there (a "reclaim", batch_writer.h),
// also while the first attempt is still committing or after its gateway
// died; MySQL's unique keys keep one row. Readers stop before a missing seq
// younger than hole_timeout and skip older ones (sql_reads.h); a reclaim
// that comes too late for that rule gets a hole row and a new seq, and a
// duplicate found at commit time writes an explicit hole row. So seqs are
// unique and ordered, and dense unless a failed message is not retried in
// time (docs/design.md "Order" lists the cases).
//
// Thread contract: every method may be called from any thread and resumes
// the caller on its own executor. Blocking MySQL calls run on the pool's
// threads; the Redis connection and the group-commit writer run on the
// store's own backend thread. Close() blocks; call it once, from a thread
// that is not the backend's, after the gateways stopped; afterwards every
// method answers 503.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/io_thread.h"
#include "base/metrics.h"
#include "core/store.h"
#include "store/cluster/batch_writer.h"
#include "store/cluster/cluster_keys.h"
#include "store/cluster/cluster_options.h"

namespace parley::mysql {
class Pool;
}
namespace parley::redis {
class Client;
class Reply;
class Script;
}  // namespace parley::redis

namespace parley::store {

namespace sql {
enum class AckColumn;  // sql_reads.h
}  // namespace sql

namespace asio = boost::asio;

class GroupCommitter;
struct MsgIdEntry;
struct GroupRecord;

class RedisMysqlStore final : public core::Store {
 public:
  // Connects to Redis (must answer within options.redis.connect_timeout) and
  // MySQL, creates the schema if missing (schema.h) and migrates a database
  // written with legacy private ids (conversation_id_migration.h). Throws
  // std::runtime_error naming the failed step. `metrics` must outlive the
  // store.
  static std::unique_ptr<RedisMysqlStore> Open(ClusterStoreOptions options,
                                               base::Metrics* metrics);
  ~RedisMysqlStore() override;  // Close() if needed

  asio::awaitable<base::Result<void>> CreateUser(core::UserRecord user) override;
  asio::awaitable<base::Result<core::UserRecord>> FindUser(std::string user_id) override;
  asio::awaitable<base::Result<core::UserRecord>> UpdateUser(core::UserUpdate update) override;
  asio::awaitable<base::Result<core::AppendResult>> Append(core::AppendRequest request) override;
  asio::awaitable<base::Result<core::MessagePage>> ReadAfter(std::string conversation_id,
                                                             std::int64_t after_seq,
                                                             std::size_t limit) override;
  asio::awaitable<base::Result<core::MessagePage>> ReadBefore(std::string conversation_id,
                                                              std::int64_t before_seq,
                                                              std::size_t limit) override;
  asio::awaitable<base::Result<std::int64_t>> MaxSeq(std::string conversation_id) override;
  asio::awaitable<base::Result<std::int64_t>> Ack(std::string user_id, std::string conversation_id,
                                                  std::int64_t seq) override;
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

  // Redis is connected and MySQL is up as metrics.dependencies sees it (a
  // probe every second, and the outcome of every MySQL call). For /healthz;
  // any thread.
  bool Healthy() const;

 private:
  explicit RedisMysqlStore(ClusterStoreOptions options, base::Metrics& metrics);

  // Ack and AckDelivered: moves one position of user_conversation_state.
  asio::awaitable<base::Result<std::int64_t>> MovePosition(std::string user_id,
                                                           std::string conversation_id,
                                                           std::int64_t seq,
                                                           sql::AckColumn column);

  // append_flow.cc
  asio::awaitable<base::Result<core::AppendResult>> AppendMessage(core::AppendRequest request);
  asio::awaitable<base::Result<core::AppendResult>> AppendChange(core::AppendRequest request);
  asio::awaitable<base::Result<core::AppendResult>> ChangeLocked(core::AppendRequest& request);
  // Sets the group's lock to `token` unless someone holds it; true when set.
  asio::awaitable<base::Result<bool>> TryLockGroup(std::string group_id, std::string token);
  // Settling a change whose gateway died (append_flow.cc explains).
  // Writes a hole row at `seq` unless a row holds it: true when it did, so
  // no append can commit there any more.
  asio::awaitable<base::Result<bool>> ClaimSeqAsHole(std::string conversation_id,
                                                     std::int64_t seq);
  // Drops Redis's copy of the group while its pending-change key still holds
  // `pending_change` (the change did not, or will not, commit).
  asio::awaitable<base::Result<void>> UndoChange(std::string group_id, std::string pending_change);
  // Under the group's lock: the change the key's `value` names committed, or
  // is made never to.
  asio::awaitable<base::Result<void>> SettlePendingChange(std::string group_id, std::string value);
  // For a message that found a pending change outliving its lock.
  asio::awaitable<base::Result<void>> SettleAbandonedChange(std::string group_id);
  // Deletes `key` if it holds `value`.
  asio::awaitable<base::Result<void>> DeleteIfEqual(std::string key, std::string value);
  asio::awaitable<base::Result<core::AppendResult>> Duplicate(std::string sender_id,
                                                              std::string msg_id,
                                                              bool committed);
  // Commits an append whose seq Redis assigned, and answers it. With
  // `too_late` the seq was reserved by an earlier attempt of the message
  // (CommitItem::reclaimed); *too_late is set when the seq was given up and
  // its pending entry dropped: the caller then assigns a new seq.
  asio::awaitable<base::Result<core::AppendResult>> Finish(
      const core::AppendRequest& request, std::int64_t seq, core::MemberList recipients,
      bool inboxed, std::optional<GroupChangeRows> change, SenderAck sender_ack,
      bool* too_late = nullptr);
  asio::awaitable<base::Result<core::MemberList>> CurrentRecipients(std::string conversation_id);
  // The leading arguments of the append and change scripts: the message and
  // the limits its inbox writes obey.
  std::vector<std::string> MessageScriptArgs(const protocol::Message& m,
                                             const std::string& group_id) const;
  // Answers a script's "seed_*" request; an error ends the Append.
  asio::awaitable<base::Result<void>> Seed(const std::string& what,
                                           const std::string& conversation_id,
                                           const std::string& group_id);
  asio::awaitable<base::Result<void>> SeedSeq(std::string conversation_id);
  asio::awaitable<base::Result<void>> SeedGroup(std::string group_id);
  // inbox_floor.cc
  asio::awaitable<base::Result<void>> SeedInboxFloor();
  // At Open: a database from before cluster_state, whose Redis holds a
  // floor, records that Redis holds inbox state.
  // Optional: RunBlocking needs a default-constructible result.
  asio::awaitable<std::optional<base::Result<void>>> RecordInboxStateOfAnOlderVersion();
  asio::awaitable<base::Result<redis::Reply>> RunScript(redis::Script& script,
                                                        std::vector<std::string> args);
  // Background Redis writes after a commit or a failure (not awaited).
  void Forget(std::vector<std::string> keys);
  // Restarts the pending entry's TTL if it still holds `pending`.
  void KeepPending(const std::string& msgid_key, const std::string& pending);
  void MarkCommitted(const std::string& sender_id, const std::string& msg_id,
                     const MsgIdEntry& entry);

  // Member lists by group token (lua_scripts.h), so a script need not
  // return a group's members with every message.
  void CacheMembers(const std::string& group_id, const std::string& token,
                    core::MemberList members);

  asio::awaitable<void> ProbeMysql();
  // Reports the outcome of every MySQL call to metrics_.dependencies (which
  // logs MySQL going down and coming back, once each): a success is up, a
  // 503 is evidence of down, other errors say nothing about availability.
  template <class T>
  void Note(const base::Result<T>& result) {
    if (result) {
      metrics_.dependencies.ReportUp(base::Dependency::kMysql);
    } else if (result.error().code == base::Code::kUnavailable && !closed_) {
      // (A closing store answers 503 "store closed": that is no outage.)
      metrics_.dependencies.ReportDown(base::Dependency::kMysql, result.error().message);
    }
  }

  ClusterStoreOptions options_;
  base::Metrics& metrics_;
  const ClusterKeys keys_;
  std::atomic<bool> closed_{false};

  // The backend thread: Redis connection strands, the commit writer, probes.
  base::IoThread backend_{"cluster store backend"};
  asio::steady_timer probe_timer_{backend_.executor()};  // ProbeMysql's; Close cancels it

  std::shared_ptr<redis::Client> redis_;
  std::unique_ptr<mysql::Pool> pool_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<redis::Script> append_script_;
  std::unique_ptr<redis::Script> change_script_;
  std::unique_ptr<redis::Script> seed_group_script_;
  std::unique_ptr<redis::Script> unlock_script_;
  std::unique_ptr<redis::Script> undo_change_script_;
  std::unique_ptr<redis::Script> set_floor_script_;

  struct CachedGroup {
    std::string token;
    core::MemberList members;
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, CachedGroup> member_cache_;  // guarded by cache_mu_
};

}  // namespace parley::store
