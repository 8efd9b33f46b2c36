#pragma once
// Start-up migration of a cluster database written before private
// conversation ids became "private_<a>:<b>" (base/ids.h). Older versions
// wrote "private_<a>_<b>" into:
//
//   MySQL timeline_message.conversation_id       -> UPDATEd, 1000 rows a statement
//   MySQL user_conversation_state                -> moved row by row (GREATEST ack)
//   Redis {p}seq:{conv}                          -> renamed; the higher counter wins,
//                                                   so no seq Redis handed out is reused
//   Redis {p}inbox:{uid} members "…|conv"         -> not rewritten: ParseInboxItem
//                                                   reads a legacy id as the new one,
//                                                   and they expire with the retention
//   Redis {p}msgid:{uid}:{msg_id} "P|seq|conv"    -> not rewritten: only its state is
//                                                   read, the message comes from MySQL
//
// Runs once per database: the row "private_id_colon" of schema_migration
// records it, written last. Gateways starting together take turns on a
// MySQL advisory lock (GET_LOCK); the others find the row and skip. Every
// step is idempotent, so a gateway that dies midway leaves work the next
// one finishes. The migration must not race gateways of the old version:
// stop them before the first new one starts (docs/architecture.md).
//
// Threads: blocking; start-up only (RedisMysqlStore::Open), on a MySQL
// connection of its own; `redis` runs one command to completion.

#include <cstdint>
#include <functional>
#include <string>

#include "base/error.h"
#include "mysql/options.h"
#include "redis/reply.h"
#include "redis/resp_codec.h"

namespace parley::store {

struct ClusterMigrationStats {
  bool ran = false;  // false: schema_migration said it was done
  std::uint64_t conversations = 0;
  std::uint64_t messages = 0;
  std::uint64_t acks = 0;
  std::uint64_t seq_keys = 0;
};

using BlockingRedis = std::function<base::Result<redis::Reply>(redis::Args)>;

// Throws std::runtime_error naming the failed step.
ClusterMigrationStats MigrateClusterConversationIds(const mysql::Options& mysql,
                                                    const BlockingRedis& redis,
                                                    const std::string& key_prefix);

}  // namespace parley::store
