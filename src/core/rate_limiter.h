#pragma once
// RateLimiter: a token bucket per key (a user id, a client IP), for the
// limits of docs/protocol.md "Rate limits". A key starts with `burst`
// tokens; each admitted request takes one; tokens come back at `per_second`
// up to `burst`. A refused request is told how long until a token is back.
//
// Memory is bounded. A key whose bucket is full again is forgotten (a full
// bucket and no entry are the same thing), swept at most once a second; and
// at most `max_keys` keys are tracked. A request of yet another key while
// the table is full of live keys is admitted untracked: the cap protects the
// process from a flood of distinct keys, and refusing everyone new instead
// would let such a flood lock real users out.
//
// The limit holds per process: in cluster mode each gateway keeps its own
// table, so a key spread over N gateways gets up to N times the rate.
//
// Threads: safe to call from any thread (one mutex; the work under it is a
// hash lookup, plus the periodic sweep).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace parley::core {

struct RateLimit {
  double per_second = 0;   // refill rate; 0 or less: no limit
  double burst = 0;        // bucket size (requests allowed at once)
  std::size_t max_keys = 100'000;
};

enum class RateVerdict { kAdmit, kRefuse };

struct RateDecision {
  RateVerdict verdict = RateVerdict::kAdmit;
  std::int64_t retry_after_ms = 0;  // kRefuse: when the next request would be admitted
};

class RateLimiter {
 public:
  RateLimiter(const base::Clock& clock, RateLimit limit);

  // Takes a token of `key`'s bucket if it has one.
  RateDecision Admit(std::string_view key);

  bool enabled() const { return limit_.per_second > 0; }
  // Requests refused so far (parley_rate_limited_total).
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  std::size_t TrackedKeysForTest() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
  };
  double Refilled(const Bucket& bucket, std::int64_t now_ms) const;
  void SweepFull(std::int64_t now_ms);  // needs mutex_

  const base::Clock& clock_;
  const RateLimit limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::int64_t next_sweep_ms_ = 0;
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace parley::core
