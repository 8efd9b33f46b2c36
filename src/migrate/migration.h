#pragma once
// parleyctl migrate: an embedded node's data dir into cluster mode (MySQL/
// MariaDB + Redis), and --verify, which compares the two (docs/operations.md
// "From one node to a cluster").
//
// Copied: users (password hashes as they are, bans, log-out cut-offs),
// groups with their settings, members, roles, mutes and bans, every message
// with its seq, msg_id and event state (edits, recalls, reactions), read
// and delivered positions, each user's inbox within the retention (so device
// SYNC cursors keep working), the idempotency cache of the last `msgid_ttl`
// (a retry of a recent msg_id finds its original without taking a seq), the
// webhook outbox, and the media directory.
//
// Resumable: each conversation continues after the highest seq the target
// holds, and every other write is an upsert. Running it again after more
// traffic on the source brings the target up to date, events on messages
// copied before included (their targets are copied again).
//
// Threads: blocking; call from one thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace parley::migrate {

struct MigrateOptions {
  std::string data_dir;          // the embedded node's --data-dir (parleyd stopped)
  std::string mysql_url;         // as parleyd's --mysql
  std::string redis;             // HOST:PORT, as parleyd's --redis
  std::string redis_prefix = "im:";
  // The cluster gateways' shared --media-dir; empty: media are not copied.
  std::string media_dir;
  // The node's --media-dir; empty: its default, DATA_DIR/media.
  std::string media_from;
  // As parleyd's --inbox-retention: older inbox entries are not copied.
  std::chrono::milliseconds inbox_retention = std::chrono::hours(24 * 7);
  // As the cluster store's idempotency cache (store/cluster/cluster_options.h).
  std::chrono::milliseconds msgid_ttl = std::chrono::hours(24);
};

struct MigrationReport {
  std::int64_t users = 0;
  std::int64_t groups = 0;
  std::int64_t conversations = 0;
  std::int64_t messages = 0;          // copied by this run
  std::int64_t messages_present = 0;  // found already copied (a resumed run)
  std::int64_t positions = 0;
  std::int64_t inboxes = 0;
  std::int64_t inbox_entries = 0;
  std::int64_t outbox_entries = 0;
  std::int64_t media_files = 0;
  double seconds = 0;
};

using Progress = std::function<void(std::string_view line)>;

base::Result<MigrationReport> Migrate(const MigrateOptions& options, const Progress& progress);

struct VerifyReport {
  std::int64_t users = 0;
  std::int64_t groups = 0;
  std::int64_t conversations = 0;
  std::int64_t messages = 0;
  std::int64_t positions = 0;
  // Per conversation: its id, message count and SHA-256 over its messages
  // (each as the JSON clients get, in seq order), equal on both sides.
  struct Conversation {
    std::string conversation_id;
    std::int64_t messages = 0;
    std::string sha256;
  };
  std::vector<Conversation> checksums;
  std::vector<std::string> differences;  // empty: the target holds the source
};

base::Result<VerifyReport> Verify(const MigrateOptions& options);

}  // namespace parley::migrate
