#include "core/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace parley::core {
namespace {

constexpr std::int64_t kSweepIntervalMs = 1000;

// A bucket smaller than one request would refuse everything.
RateLimit AtLeastOneRequest(RateLimit limit) {
  limit.burst = std::max(limit.burst, 1.0);
  return limit;
}

}  // namespace

RateLimiter::RateLimiter(const base::Clock& clock, RateLimit limit)
    : clock_(clock), limit_(AtLeastOneRequest(limit)) {}

double RateLimiter::Refilled(const Bucket& bucket, std::int64_t now_ms) const {
  // A clock that steps back must not take tokens away.
  const std::int64_t elapsed_ms = std::max<std::int64_t>(0, now_ms - bucket.updated_ms);
  const double elapsed_s = static_cast<double>(elapsed_ms) / 1000.0;
  return std::min(limit_.burst, bucket.tokens + elapsed_s * limit_.per_second);
}

void RateLimiter::SweepFull(std::int64_t now_ms) {
  std::erase_if(buckets_, [&](const auto& entry) {
    return Refilled(entry.second, now_ms) >= limit_.burst;
  });
  next_sweep_ms_ = now_ms + kSweepIntervalMs;
}

RateDecision RateLimiter::Admit(std::string_view key) {
  if (!enabled()) return {};
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mutex_);
  if (now_ms >= next_sweep_ms_) SweepFull(now_ms);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_keys) return {};  // untracked: see the header
    it = buckets_.emplace(std::string(key), Bucket{limit_.burst, now_ms}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now_ms);
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  const double missing = 1.0 - bucket.tokens;
  const auto wait_ms = static_cast<std::int64_t>(std::ceil(missing / limit_.per_second * 1000.0));
  return RateDecision{RateVerdict::kRefuse, std::max<std::int64_t>(1, wait_ms)};
}

std::size_t RateLimiter::TrackedKeysForTest() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace parley::core
