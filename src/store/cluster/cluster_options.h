#pragma once
// Settings of the cluster Store (RedisMysqlStore): where Redis and MySQL are,
// and the knobs that shape group commit, the inbox and the handling of seq
// holes. `parleyd --redis HOST:PORT --mysql URL` fills the addresses;
// --fanout-threshold, --inbox-retention and --max-inbox-entries the inbox knobs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "mysql/options.h"
#include "redis/options.h"

namespace parley::store {

struct ClusterStoreOptions {
  std::string redis_host = "127.0.0.1";
  std::uint16_t redis_port = 6379;
  redis::Options redis;
  // Every Redis key starts with this (docs/design.md "Redis keys": im:seq:{conv}, ...).
  std::string key_prefix = "im:";
  // From --mysql via mysql::ParseUrl.
  mysql::Options mysql;

  // A message with at most this many recipients goes into each recipient's
  // inbox (write diffusion); above it, members read the timeline instead.
  std::size_t fanout_threshold = 500;
  // Inbox entries older than this (by their message's send_time) are
  // reported expired and trimmed; an idle inbox key expires after it.
  std::chrono::milliseconds inbox_retention = std::chrono::hours(24 * 7);
  // Newest entries kept per inbox (a bound on Redis memory per user); an
  // older cursor is reported expired, reason "capped". --max-inbox-entries.
  std::size_t max_inbox_entries = 10000;

  // Group commit: a batch waits at most this long for more appends (0: only
  // what queued while the previous batch committed), and holds at most
  // max_batch_rows appends. max_pending_appends bounds the queue (503 beyond).
  std::chrono::microseconds commit_interval{0};
  std::size_t max_batch_rows = 1000;
  std::size_t max_pending_appends = 65536;
  // An append that waited longer than this for its batch is answered 503
  // without being written. With the MySQL timeouts it bounds how late a row
  // can appear after its seq was assigned, which hole_timeout relies on.
  std::chrono::milliseconds commit_deadline{1000};
  // A missing seq (a hole: its append failed) older than this is skipped by
  // readers; a younger one may still be committing, so readers stop before it.
  // Must exceed commit_deadline plus the longest MySQL transaction. A retry
  // commits at the seq its failed first attempt reserved only while the
  // first row above it is younger than half of this (batch_writer.h).
  std::chrono::milliseconds hole_timeout{10000};

  // Idempotency cache: how long a committed (sender, msg_id) -> seq entry is
  // kept in Redis (MySQL's unique index answers after that), and how long a
  // pending one (the seq reserved for the message) lives after it was
  // assigned or its last attempt failed; a retry within it keeps the seq.
  std::chrono::milliseconds msgid_ttl = std::chrono::hours(24);
  std::chrono::milliseconds pending_ttl{15000};
  // A group's membership changes are serialised by a Redis lock held this
  // long at most; a change waits up to lock_wait for it, then answers 503.
  // Short, since a dead gateway's lock blocks the group's changes until it
  // expires; a change slower than this is settled by the next one (its
  // commit then fails and the client retries), never applied twice.
  std::chrono::milliseconds group_lock_ttl{3000};
  std::chrono::milliseconds group_lock_wait{1000};

  // Wall clock for the inbox retention; must outlive the store.
  const base::Clock* clock = DefaultClock();

 private:
  static const base::Clock* DefaultClock() {
    static const base::SystemClock system_clock;
    return &system_clock;
  }
};

}  // namespace parley::store
