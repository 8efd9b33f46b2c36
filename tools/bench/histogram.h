#pragma once
// A log-linear latency histogram in the spirit of HdrHistogram (Debian ships
// no C/C++ HdrHistogram, only Java and Go ports, hence this small one).
//
// Values are nanoseconds. Each power of two [2^e, 2^(e+1)) is cut into
// 2^kSubBits equal buckets, so any recorded value is reported within
// 1/2^kSubBits (< 0.8%) of its true value, from 1 ns to 2^63 ns.
//
// Thread contract: none; one histogram per thread, merged at the end.

#include <boost/json/object.hpp>

#include <cstdint>
#include <vector>

namespace parley::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 7;

  Histogram();

  void Record(std::int64_t value_ns);
  void Merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  double Mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
  // The value at quantile q in [0, 1] (0 when empty).
  std::int64_t Percentile(double q) const;

  // {"count","mean_ms","p50_ms","p90_ms","p99_ms","p999_ms","max_ms"} and,
  // when `with_cdf`, "cdf": [[ms, fraction], ...] for plotting.
  boost::json::object ToJson(bool with_cdf = false) const;

 private:
  static std::size_t IndexOf(std::uint64_t v);
  static std::uint64_t ValueAt(std::size_t index);  // bucket midpoint

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
};

}  // namespace parley::bench
