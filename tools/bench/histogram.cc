#include "tools/bench/histogram.h"

#include <boost/json/array.hpp>

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::bench {
namespace {

constexpr std::size_t kSub = std::size_t{1} << Histogram::kSubBits;
constexpr std::size_t kBuckets = (64 - Histogram::kSubBits + 1) * kSub;

double Ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

// Values below kSub map to themselves (exact); above, the exponent selects a
// group of kSub buckets and the next kSubBits bits select the bucket.
std::size_t Histogram::IndexOf(std::uint64_t v) {
  if (v < kSub) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;
  const std::size_t group = static_cast<std::size_t>(shift + 1);
  return group * kSub + static_cast<std::size_t>((v >> shift) - kSub);
}

std::uint64_t Histogram::ValueAt(std::size_t index) {
  if (index < kSub) return index;
  const std::size_t group = index / kSub;
  const int shift = static_cast<int>(group) - 1;
  const std::uint64_t low = (kSub + index % kSub) << shift;
  return low + ((std::uint64_t{1} << shift) >> 1);
}

void Histogram::Record(std::int64_t value_ns) {
  const std::uint64_t v = value_ns < 0 ? 0 : static_cast<std::uint64_t>(value_ns);
  ++counts_[std::min(IndexOf(v), kBuckets - 1)];
  ++count_;
  sum_ += static_cast<double>(v);
  min_ = std::min<std::int64_t>(min_, static_cast<std::int64_t>(v));
  max_ = std::max<std::int64_t>(max_, static_cast<std::int64_t>(v));
}

void Histogram::Merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::int64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * count_));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      return std::clamp<std::int64_t>(static_cast<std::int64_t>(ValueAt(i)), min_, max_);
    }
  }
  return max_;
}

boost::json::object Histogram::ToJson(bool with_cdf) const {
  boost::json::object o{{"count", count_},
                        {"mean_ms", Ms(static_cast<std::int64_t>(Mean()))},
                        {"p50_ms", Ms(Percentile(0.50))},
                        {"p90_ms", Ms(Percentile(0.90))},
                        {"p99_ms", Ms(Percentile(0.99))},
                        {"p999_ms", Ms(Percentile(0.999))},
                        {"max_ms", Ms(max())}};
  if (with_cdf && count_ > 0) {
    // Percentile spectrum on a log scale of 1/(1-q), as HdrHistogram plots it.
    boost::json::array cdf;
    for (double nines = 0; nines <= 5.0; nines += 0.05) {
      const double q = 1.0 - std::pow(10.0, -nines);
      cdf.push_back(boost::json::array{Ms(Percentile(q)), q});
    }
    cdf.push_back(boost::json::array{Ms(max()), 1.0});
    o["cdf"] = std::move(cdf);
  }
  return o;
}

}  // namespace parley::bench
