#pragma once
// The cluster's MySQL/MariaDB and Redis as the migration writes and checks
// them. Every write is an upsert keyed like the cluster store's own rows,
// so running the migration again (after an interruption, or after more
// messages came in on the source) converges instead of duplicating.
//
// What goes where (docs/design.md "Logical tables", "Redis keys"): users,
// groups, members, bans, messages, positions and the webhook outbox into
// MySQL, the truth; into Redis only what it cannot re-seed from MySQL: each
// user's inbox and inbox_seq (device SYNC cursors are inbox_seqs) and the
// idempotency cache of recent msg_ids. Seq counters and groups are re-seeded
// by the gateways from MySQL when first used.
//
// Threads: one thread at a time. Errors: as mysql::Session and RedisPipe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "migrate/embedded_source.h"
#include "migrate/redis_pipe.h"
#include "mysql/session.h"
#include "protocol/message.h"
#include "store/cluster/cluster_keys.h"

namespace parley::migrate {

// What the target's cluster_state row "embedded_migration" says.
enum class TargetState {
  kEmpty,       // no user, no message, no migration: ready
  kMigrating,   // a migration started and has not finished: resume it
  kMigrated,    // a migration finished; running it again brings it up to date
  kForeign,     // holds data no migration wrote: refused
};

class ClusterTarget {
 public:
  static base::Result<std::unique_ptr<ClusterTarget>> Open(const std::string& mysql_url,
                                                           const std::string& redis_host_port,
                                                           std::string redis_prefix);

  // Creates the tables (as parleyd does at start) and reads the state.
  base::Result<TargetState> Prepare();
  base::Result<void> SetState(TargetState state);

  // ---- MySQL ---------------------------------------------------------------
  base::Result<void> PutUsers(const std::vector<core::UserRecord>& users);
  // The group, its members and bans as given (others are removed), at once.
  base::Result<void> PutGroup(const GroupRecord& group);
  // The highest seq MySQL holds for the conversation (0: none).
  base::Result<std::int64_t> MaxSeq(const std::string& conversation_id);
  // Inserts or overwrites the rows of these messages.
  base::Result<void> PutMessages(const std::vector<protocol::Message>& messages);
  base::Result<void> PutPositions(const std::vector<Position>& positions);
  // Adds the entry unless the outbox holds one for its message.
  base::Result<void> PutOutboxEntry(const OutboxRow& row);

  // ---- Redis ---------------------------------------------------------------
  // The entries (kept for `retention` after their send time) and the user's
  // inbox_seq, raised to the inbox's newest (never lowered).
  base::Result<void> PutInbox(const Inbox& inbox, std::int64_t now_ms,
                              std::chrono::milliseconds retention);
  // The committed msgid entry of each message that has a msg_id and was sent
  // less than `ttl` ago, kept until then.
  base::Result<void> PutMsgIds(const std::vector<protocol::Message>& messages, std::int64_t now_ms,
                               std::chrono::milliseconds ttl);
  base::Result<void> FlushRedis() { return redis_->Flush(); }

  // ---- reads for --verify --------------------------------------------------
  base::Result<std::vector<core::UserRecord>> Users();
  // The group's settings, members (with roles, join seqs and mutes) and bans;
  // 404 when MySQL has no such group.
  base::Result<GroupRecord> Group(const std::string& group_id);
  base::Result<std::int64_t> GroupCount();
  base::Result<std::vector<protocol::Message>> MessagesAfter(const std::string& conversation_id,
                                                             std::int64_t after_seq,
                                                             std::size_t limit);
  base::Result<std::vector<Position>> Positions();
  base::Result<std::int64_t> ConversationCount();
  // The user's inbox_seq in Redis (0: none).
  base::Result<std::int64_t> InboxSeq(const std::string& user_id);

 private:
  ClusterTarget(std::unique_ptr<mysql::Session> mysql, std::unique_ptr<RedisPipe> redis,
                std::string redis_prefix);

  std::unique_ptr<mysql::Session> mysql_;
  std::unique_ptr<RedisPipe> redis_;
  store::ClusterKeys keys_;
};

}  // namespace parley::migrate
