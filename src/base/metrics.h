#pragma once
// Process-wide metrics, rendered as Prometheus text at GET /metrics. Every
// metric is documented (name, type, labels, meaning) in docs/operations.md;
// each one is changed where its event happens and nowhere else.
//
// Counters and gauges are relaxed atomics: statistics, not synchronisation.
// Histograms are base::Histogram (lock-free). Components that keep counters
// of their own (the Redis bus) add a collector that renders them at scrape
// time instead of copying them here.
//
// Threads: every counter and histogram may be changed from any thread;
// AddCollector and RenderPrometheus are safe from any thread (a mutex that
// only they take).

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/dependency_health.h"
#include "base/histogram.h"

namespace parley::base {

// Label values; the enumerators index the metrics' arrays below.
enum class Transport : std::size_t { kTcp, kWs };                          // transport="tcp"|"ws"
enum class AuthFailure : std::size_t { kBadToken, kBadPassword, kOther };  // reason=…
enum class PushDrop : std::size_t { kSlowConsumer, kClosed };              // reason=…
// What became of a member's TYPING packet (docs/protocol.md "TYPING"): outcome=…
enum class TypingOutcome : std::size_t { kForwarded, kThrottled, kLargeGroup };

struct Metrics {
  template <class T, std::size_t N>
  using Labelled = std::array<std::atomic<T>, N>;

  Labelled<std::int64_t, 2> connections_open{};    // by Transport
  Labelled<std::uint64_t, 2> connections_total{};  // by Transport
  std::atomic<std::uint64_t> requests_total{0};
  std::atomic<std::uint64_t> request_errors_total{0};
  std::atomic<std::uint64_t> protocol_errors_total{0};  // framing errors: connection closed
  // TLS handshakes that failed (a plain-text or broken peer) or did not
  // complete within the auth timeout: connection closed.
  std::atomic<std::uint64_t> tls_handshake_failures_total{0};
  Labelled<std::uint64_t, 3> auth_failures_total{};     // by AuthFailure
  std::atomic<std::uint64_t> messages_stored_total{0};
  std::atomic<std::uint64_t> messages_duplicate_total{0};
  // TYPING packets of members, by TypingOutcome; refused ones (400, 403)
  // count as request errors only.
  Labelled<std::uint64_t, 3> typing_total{};
  // Pushes: packets the core hands to a session (deliveries), of which each
  // is queued or dropped at once; a queued one is later sent or dropped.
  // Once idle: deliveries == sent + dropped.
  std::atomic<std::uint64_t> deliveries_total{0};
  std::atomic<std::uint64_t> pushes_queued_total{0};
  std::atomic<std::uint64_t> pushes_sent_total{0};
  Labelled<std::uint64_t, 2> pushes_dropped_total{};  // by PushDrop
  std::atomic<std::uint64_t> slow_consumer_disconnects_total{0};
  std::atomic<std::uint64_t> idle_disconnects_total{0};
  std::atomic<std::uint64_t> store_batches_total{0};
  // Media (docs/protocol.md "Media"): uploads stored, downloads answered
  // (200 or 206), and their bytes; refused uploads (401, 413, ...) apart.
  std::atomic<std::uint64_t> media_uploads_total{0};
  std::atomic<std::uint64_t> media_upload_bytes_total{0};
  std::atomic<std::uint64_t> media_uploads_refused_total{0};
  std::atomic<std::uint64_t> media_downloads_total{0};
  std::atomic<std::uint64_t> media_download_bytes_total{0};

  // Microseconds from the dispatcher receiving a CHAT to its ack (the
  // message is durable), rendered in seconds.
  Histogram chat_ack_seconds{{100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000,
                              250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000},
                             1e6};
  // Writes per committed store batch, and the microseconds its durable write
  // took (RocksDB synced write; MySQL BEGIN..COMMIT), rendered in seconds.
  Histogram store_batch_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}};
  Histogram store_commit_seconds{{50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000,
                                  100'000, 250'000, 500'000, 1'000'000},
                                 1e6};
  // Set by the store that feeds the histogram (in its Open); one nobody
  // feeds is not rendered, so no exported figure stays 0 by omission.
  std::atomic<bool> store_batch_size_fed{false};
  std::atomic<bool> store_commit_fed{false};

  // Up/down of MySQL and Redis as this gateway sees them; the cluster store,
  // Redis clients and subscribers report to it (docs/design.md "Backend
  // outages"). Rendered only for the dependencies they track.
  DependencyHealth dependencies;

  template <class E>
  static std::size_t Index(E label) {
    return static_cast<std::size_t>(label);
  }

  // `collect` appends complete families (AppendFamily/AppendSample) at every
  // render. What it reads must outlive the last render (the HTTP server).
  void AddCollector(std::function<void(std::string& out)> collect);

  std::string RenderPrometheus() const;

 private:
  mutable std::mutex collectors_mu_;
  std::vector<std::function<void(std::string&)>> collectors_;  // guarded by collectors_mu_
};

inline void Bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// Prometheus text exposition helpers (format 0.0.4).
// "# HELP name help\n# TYPE name type\n".
void AppendFamily(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help);
// "name{labels} value\n"; `labels` is `key="value",…` or empty.
void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::uint64_t value);
void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::int64_t value);
// The shortest text that reads back as `value` ("0.0001", "2.5", "1").
std::string FormatNumber(double value);

}  // namespace parley::base
