#pragma once
// Deletes inbox entries older than the retention, in the background of the
// group-commit writer: between batches, at most once per sweep interval
// (retention / 4, clamped to [1 s, 60 s]), by the store's base::Clock.
//
// A user's entries are in time order (inbox_seq order, messages stamped when
// written), so a sweep deletes each user's expired head and skips to the next
// user at the first live entry. It deletes whole rows (runs, inbox_run.h): a
// run goes once its newest entry has expired. Work per call is bounded (kMaxKeysPerStep
// keys examined) so that a sweep never holds up appends for long; a sweep
// that hit the bound resumes where it stopped on the next call.
//
// Deleting a user's last run also saves its inbox_seq in user_meta, in the
// same write. Deletions are written without sync: losing them to a crash
// only means they are swept again.
//
// Threads: the group-commit writer thread only.

#include <chrono>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "store/rocks/rocks_options.h"

namespace parley::store {

class RocksDb;

class InboxSweeper {
 public:
  static constexpr std::size_t kMaxKeysPerStep = 10000;

  InboxSweeper(RocksDb& db, const RocksOptions& options);

  // How long the writer may sleep when idle before calling Step again.
  std::chrono::milliseconds interval() const { return interval_; }

  // Sweeps one bounded step if a sweep is due or under way. Returns true
  // when the sweep stopped at its bound and wants to continue soon.
  bool Step();

 private:
  RocksDb& db_;
  const base::Clock& clock_;
  const std::int64_t retention_ms_;
  const std::chrono::milliseconds interval_;
  std::int64_t next_sweep_ms_ = 0;  // the first sweep runs at the first chance
  std::string resume_key_;          // where a sweep under way continues; "" = none
};

}  // namespace parley::store
