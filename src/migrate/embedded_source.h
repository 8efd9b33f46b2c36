#pragma once
// The records of an embedded node's data dir (store/rocks, layout in
// rocks_keys.h), read for the migration to cluster mode. Opening takes the
// store's lock, so parleyd must not be running on the dir: the migration
// reads one consistent state (a stopped node, or a `parleyctl backup` copy).
//
// Threads: one thread at a time.
// Errors: 500 for a corrupt record (naming its key), 503 when the dir cannot
// be opened (e.g. a running parleyd holds its lock).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "protocol/message.h"
#include "store/cluster/cluster_keys.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {
class RocksDb;
}

namespace parley::migrate {

struct MemberRow {
  std::string user_id;
  store::keys::MemberValue value;
};

struct GroupRecord {
  core::GroupInfo info;  // settings and bans; members in `members`
  std::vector<MemberRow> members;
};

// A user's read and delivered positions in one conversation; its presence
// lists the conversation for the user.
struct Position {
  std::string user_id;
  std::string conversation_id;
  std::int64_t read_seq = 0;
  std::int64_t delivered_seq = 0;
};

// A user's inbox: its newest inbox_seq (device cursors are inbox_seqs) and
// the entries still kept, oldest first.
struct Inbox {
  std::string user_id;
  std::int64_t newest_inbox_seq = 0;
  std::vector<store::InboxItem> items;
};

struct OutboxRow {
  core::OutboxEntry entry;
  std::int64_t next_attempt_at = 0;
};

class EmbeddedSource {
 public:
  static base::Result<std::unique_ptr<EmbeddedSource>> Open(const std::string& data_dir);
  ~EmbeddedSource();
  EmbeddedSource(const EmbeddedSource&) = delete;
  EmbeddedSource& operator=(const EmbeddedSource&) = delete;

  template <typename T>
  using Visit = std::function<base::Result<void>(const T&)>;

  base::Result<void> ForEachUser(const Visit<core::UserRecord>& visit);
  base::Result<void> ForEachGroup(const Visit<GroupRecord>& visit);
  base::Result<void> ForEachPosition(const Visit<Position>& visit);
  // Entries sent before `oldest_send_time` (ms) are left out, as the
  // retention would drop them.
  base::Result<void> ForEachInbox(std::int64_t oldest_send_time, const Visit<Inbox>& visit);
  base::Result<void> ForEachOutboxEntry(const Visit<OutboxRow>& visit);

  // Every conversation holding a message, in key order.
  base::Result<std::vector<std::string>> Conversations();
  // Messages with seq > after_seq, ascending, at most `limit`.
  base::Result<std::vector<protocol::Message>> MessagesAfter(const std::string& conversation_id,
                                                             std::int64_t after_seq,
                                                             std::size_t limit);
  base::Result<protocol::Message> MessageAt(const std::string& conversation_id, std::int64_t seq);
  // The seqs of the edit events of message `target_seq`.
  base::Result<std::vector<std::int64_t>> EditsOf(const std::string& conversation_id,
                                                  std::int64_t target_seq);

 private:
  explicit EmbeddedSource(std::unique_ptr<store::RocksDb> db);
  std::unique_ptr<store::RocksDb> db_;
};

}  // namespace parley::migrate
