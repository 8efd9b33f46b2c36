#pragma once
// Histogram: a Prometheus histogram with fixed buckets, lock-free.
//
// Observe() is one binary search over at most kMaxBounds bounds and two
// relaxed fetch_adds (the bucket, the sum): no lock, no allocation, so it can
// sit on the message hot path. Buckets are stored non-cumulative and summed
// at render time; _count is the sum of the buckets, so a scrape always sees
// _count equal to the +Inf bucket even while other threads observe (the
// _sum of that scrape may lag or lead by the observations in flight).
//
// Values are unsigned integers in the caller's unit (microseconds, items);
// `scale` divides bounds and sum when rendering, so a latency observed in
// microseconds is exported in seconds, as Prometheus names want.
//
// Threads: Observe, count, sum and Render are safe from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace parley::base {

class Histogram {
 public:
  static constexpr std::size_t kMaxBounds = 24;

  // `bounds`: strictly ascending upper bounds (Prometheus `le`), at most
  // kMaxBounds; +Inf is implied. Throws std::invalid_argument otherwise.
  Histogram(std::initializer_list<std::uint64_t> bounds, double scale = 1.0);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(std::uint64_t value) {
    buckets_[BucketOf(value)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }
  // The microseconds since `start` (steady clock).
  void ObserveMicrosSince(std::chrono::steady_clock::time_point start) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    Observe(us.count() > 0 ? static_cast<std::uint64_t>(us.count()) : 0);
  }

  std::uint64_t count() const;
  std::uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }
  // Observations <= bounds[i] (cumulative), i < number of bounds.
  std::uint64_t CumulativeCount(std::size_t i) const;

  // Appends the family `name`: # HELP, # TYPE histogram, one _bucket line
  // per bound and +Inf, _sum and _count.
  void Render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::size_t BucketOf(std::uint64_t value) const;

  std::array<std::uint64_t, kMaxBounds> bounds_{};
  std::size_t bound_count_ = 0;
  double scale_ = 1.0;
  std::array<std::atomic<std::uint64_t>, kMaxBounds + 1> buckets_{};  // last: above every bound
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace parley::base
