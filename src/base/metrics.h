#pragma once
// Process-wide counters, rendered as Prometheus text at GET /metrics.
// Relaxed atomics: counters are statistics, not synchronisation.

#include <atomic>
#include <cstdint>
#include <string>

namespace parley::base {

struct Metrics {
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> requests_total{0};
  std::atomic<std::uint64_t> request_errors_total{0};
  std::atomic<std::uint64_t> protocol_errors_total{0};  // framing errors: connection closed
  std::atomic<std::uint64_t> messages_stored_total{0};
  std::atomic<std::uint64_t> messages_duplicate_total{0};
  std::atomic<std::uint64_t> deliveries_total{0};
  std::atomic<std::uint64_t> slow_consumer_disconnects_total{0};
  std::atomic<std::uint64_t> idle_disconnects_total{0};
  std::atomic<std::uint64_t> store_batches_total{0};

  std::string RenderPrometheus() const;
};

inline void Bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace parley::base
