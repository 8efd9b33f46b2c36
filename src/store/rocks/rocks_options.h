#pragma once
// Settings of the embedded RocksDB store. Defaults suit one machine with a
// few GB of RAM; `parleyd --data-dir` fills data_dir.

#include <chrono>
#include <cstddef>
#include <string>

#include "base/clock.h"

namespace parley::store {

struct RocksOptions {
  std::string data_dir = "./data";
  // Appends waiting for the writer thread. Beyond this Append answers 503
  // "store overloaded" at once: a caller that cannot be served within a few
  // batches is better told to retry than queued without bound.
  std::size_t max_pending_writes = 65536;
  // Most writes committed by one synced WriteBatch. Bounds the batch's memory
  // and the latency of the first request in it.
  std::size_t max_batch_writes = 4096;
  // Memtable size per column family.
  std::size_t write_buffer_bytes = std::size_t{16} << 20;
  // All column families' memtables together: past it RocksDB flushes the
  // largest. Without it 14 column families could hold 14 full memtables (and
  // as many being flushed), ~450 MiB, where a quiet family never flushes.
  std::size_t memtable_budget_bytes = std::size_t{64} << 20;
  // Block cache shared by every column family.
  std::size_t block_cache_bytes = std::size_t{64} << 20;

  // A message with at most this many recipients goes into each recipient's
  // inbox (write diffusion); above it, members read the timeline instead.
  std::size_t fanout_threshold = 500;
  // Inbox entries older than this (by their message's send_time) are
  // reported expired and swept away in the background.
  std::chrono::milliseconds inbox_retention = std::chrono::hours(24 * 7);
  // Wall clock for the retention; must outlive the store. Tests pass a
  // base::FakeClock.
  const base::Clock* clock = DefaultClock();

 private:
  static const base::Clock* DefaultClock() {
    static const base::SystemClock system_clock;
    return &system_clock;
  }
};

}  // namespace parley::store
