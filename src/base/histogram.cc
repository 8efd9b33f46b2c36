#include "base/histogram.h"

#include <algorithm>
#include <stdexcept>

#include "base/metrics.h"

namespace parley::base {

Histogram::Histogram(std::initializer_list<std::uint64_t> bounds, double scale) : scale_(scale) {
  if (bounds.size() > kMaxBounds || !(scale > 0)) {
    throw std::invalid_argument("Histogram: too many bounds or a scale not above 0");
  }
  for (std::uint64_t bound : bounds) {
    if (bound_count_ > 0 && bound <= bounds_[bound_count_ - 1]) {
      throw std::invalid_argument("Histogram: bounds must be strictly ascending");
    }
    bounds_[bound_count_++] = bound;
  }
}

std::size_t Histogram::BucketOf(std::uint64_t value) const {
  // The first bound >= value; bound_count_ (the +Inf bucket) when none.
  return static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.begin() + bound_count_, value) - bounds_.begin());
}

std::uint64_t Histogram::count() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bound_count_; ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
  }
  return total;
}

std::uint64_t Histogram::CumulativeCount(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t j = 0; j <= i && j < bound_count_; ++j) {
    total += buckets_[j].load(std::memory_order_relaxed);
  }
  return total;
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view help) const {
  AppendFamily(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bound_count_; ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = "le=\"" + FormatNumber(static_cast<double>(bounds_[i]) / scale_) + "\"";
    AppendSample(out, bucket, le, cumulative);
  }
  cumulative += buckets_[bound_count_].load(std::memory_order_relaxed);
  AppendSample(out, bucket, "le=\"+Inf\"", cumulative);
  out += name;
  out += "_sum ";
  out += FormatNumber(static_cast<double>(sum()) / scale_);
  out += '\n';
  AppendSample(out, std::string(name) + "_count", {}, cumulative);
}

}  // namespace parley::base
