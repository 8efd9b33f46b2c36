#pragma once
// DependencyHealth: whether each backend this gateway depends on (MySQL,
// Redis commands, Redis pub/sub) is up, as its callers see it. It logs ONE
// line per transition — "mysql down: <error>" (warn) when it goes down,
// "mysql up again after 4.2 s" (info) when it comes back — and counts the
// transitions for /metrics (docs/operations.md, parley_dependency_*;
// docs/design.md "Backend outages").
//
// Callers report evidence, as often as they like: ReportUp when the
// dependency answered, ReportDown with the error when it failed. A report
// that agrees with the current state costs one atomic load (ReportUp of a
// dependency with a grace also a clock read and a relaxed store); only a
// transition takes a mutex and logs.
//
// Grace (Track): a failure reported within `grace` of the last ReportUp does
// not count, and the outage's duration is counted from that last ReportUp. MySQL needs it because its evidence comes per query from a pool
// of connections: after a restart every pooled connection fails once while
// the others already succeed, and an overloaded pool refuses some queries
// while serving others; without a grace each such query would be a
// down/up pair in the log. Redis clients report only connection losses and
// reconnects, so they use no grace.
//
// Threads: every method may be called from any thread, concurrently.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::base {

// The label values of dependency="…"; the enumerators index the state array.
enum class Dependency : std::size_t { kMysql, kRedis, kRedisPubsub };
inline constexpr std::size_t kDependencyCount = 3;
// "mysql", "redis", "redis_pubsub".
const char* DependencyName(Dependency dependency);

class DependencyHealth {
 public:
  enum class State { kUp, kDown };
  // Milliseconds on a monotonic clock; the default reads steady_clock.
  using MonotonicMs = std::function<std::int64_t()>;

  explicit DependencyHealth(MonotonicMs now = {});
  DependencyHealth(const DependencyHealth&) = delete;
  DependencyHealth& operator=(const DependencyHealth&) = delete;

  // Declares that this process uses `dependency` (it is rendered in /metrics
  // from now on) and sets its grace (see above). Every dependency starts up.
  void Track(Dependency dependency, std::chrono::milliseconds grace = {});

  void ReportUp(Dependency dependency);
  void ReportDown(Dependency dependency, std::string_view error);

  State state(Dependency dependency) const;
  bool IsUp(Dependency dependency) const { return state(dependency) == State::kUp; }
  // Up-to-down transitions so far.
  std::uint64_t DownTotal(Dependency dependency) const;

  // parley_dependency_up and parley_dependency_down_total, tracked
  // dependencies only; nothing when none is tracked (embedded mode).
  void Render(std::string& out) const;

 private:
  struct Entry {
    std::atomic<State> state{State::kUp};
    std::atomic<bool> tracked{false};
    std::atomic<std::int64_t> grace_ms{0};
    std::atomic<std::int64_t> last_up_ms{0};  // kept only when grace_ms > 0
    std::atomic<std::uint64_t> down_total{0};
    std::mutex transition_mu;   // taken only to change state
    std::int64_t down_since_ms = 0;  // guarded by transition_mu
  };

  Entry& At(Dependency dependency) { return entries_[static_cast<std::size_t>(dependency)]; }
  const Entry& At(Dependency dependency) const {
    return entries_[static_cast<std::size_t>(dependency)];
  }
  std::int64_t Now() const;

  const MonotonicMs now_;
  std::array<Entry, kDependencyCount> entries_;
};

}  // namespace parley::base
