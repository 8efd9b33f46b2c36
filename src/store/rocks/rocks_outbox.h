#pragma once
// The embedded store's webhook outbox (core::Store::ClaimOutbox and its
// kin). Entries live in the `outbox` column family:
//
//   be64(id) -> {"c":conversation_id,"s":seq,"t":created_at,"n":next_attempt_at,"a":attempts}
//
// written by the BatchStager in the same WriteBatch as their message, so an
// acknowledged message always has its entry (and a failed batch has none).
// Ids come from a counter recovered from the last key at open; a failed
// batch leaves a gap, which nothing minds. One process owns the store, so
// claims are kept in memory: a restart forgets them, and the entries are
// handed out again (at least once).
//
// Threads: NextId from the writer thread; the rest from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "core/store.h"
#include "store/rocks/outbox_record.h"

namespace parley::store {

class RocksDb;


class RocksOutbox {
 public:
  // Reads the last id. Throws std::runtime_error when the DB cannot be read.
  RocksOutbox(RocksDb& db, const base::Clock& clock);

  std::int64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // The value of a new entry for the message (conversation_id, seq).
  std::string NewEntryValue(const std::string& conversation_id, std::int64_t seq) const;

  base::Result<std::vector<core::OutboxEntry>> Claim(std::size_t limit,
                                                     std::chrono::milliseconds lease);
  base::Result<void> Finish(const std::vector<std::int64_t>& ids);
  base::Result<void> Postpone(const std::vector<std::int64_t>& ids, std::int64_t next_attempt_at);

 private:
  RocksDb& db_;
  const base::Clock& clock_;
  std::atomic<std::int64_t> next_id_{1};
  std::mutex mu_;
  std::unordered_map<std::int64_t, std::int64_t> claimed_until_;  // id -> ms
  std::int64_t oldest_live_ = 0;  // no entry has a lower id (guarded by mu_)
};

}  // namespace parley::store
