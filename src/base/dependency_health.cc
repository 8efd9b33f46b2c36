#include "base/dependency_health.h"

#include <spdlog/spdlog.h>

#include "base/metrics.h"

namespace parley::base {

const char* DependencyName(Dependency dependency) {
  switch (dependency) {
    case Dependency::kMysql:
      return "mysql";
    case Dependency::kRedis:
      return "redis";
    case Dependency::kRedisPubsub:
      return "redis_pubsub";
  }
  return "unknown";
}

DependencyHealth::DependencyHealth(MonotonicMs now) : now_(std::move(now)) {}

std::int64_t DependencyHealth::Now() const {
  if (now_) return now_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void DependencyHealth::Track(Dependency dependency, std::chrono::milliseconds grace) {
  Entry& e = At(dependency);
  e.grace_ms.store(grace.count(), std::memory_order_relaxed);
  e.tracked.store(true, std::memory_order_relaxed);
}

void DependencyHealth::ReportUp(Dependency dependency) {
  Entry& e = At(dependency);
  if (e.grace_ms.load(std::memory_order_relaxed) > 0) {
    e.last_up_ms.store(Now(), std::memory_order_relaxed);
  }
  if (e.state.load(std::memory_order_acquire) == State::kUp) return;
  std::lock_guard lock(e.transition_mu);
  if (e.state.load(std::memory_order_relaxed) == State::kUp) return;  // another caller won
  const std::int64_t now = Now();
  e.state.store(State::kUp, std::memory_order_release);
  const double seconds = static_cast<double>(now - e.down_since_ms) / 1000.0;
  spdlog::info("{} up again after {:.1f} s", DependencyName(dependency), seconds);
}

void DependencyHealth::ReportDown(Dependency dependency, std::string_view error) {
  Entry& e = At(dependency);
  if (e.state.load(std::memory_order_acquire) == State::kDown) return;
  const std::int64_t now = Now();
  const std::int64_t grace = e.grace_ms.load(std::memory_order_relaxed);
  if (grace > 0 && now - e.last_up_ms.load(std::memory_order_relaxed) < grace) return;
  std::lock_guard lock(e.transition_mu);
  if (e.state.load(std::memory_order_relaxed) == State::kDown) return;  // another caller won
  e.state.store(State::kDown, std::memory_order_release);
  // With a grace the outage began at the last success, not at this report.
  const std::int64_t last_up = e.last_up_ms.load(std::memory_order_relaxed);
  e.down_since_ms = grace > 0 && last_up > 0 ? last_up : now;
  e.down_total.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("{} down: {}", DependencyName(dependency), error);
}

DependencyHealth::State DependencyHealth::state(Dependency dependency) const {
  return At(dependency).state.load(std::memory_order_acquire);
}

std::uint64_t DependencyHealth::DownTotal(Dependency dependency) const {
  return At(dependency).down_total.load(std::memory_order_relaxed);
}

void DependencyHealth::Render(std::string& out) const {
  bool any = false;
  for (const Entry& e : entries_) any = any || e.tracked.load(std::memory_order_relaxed);
  if (!any) return;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto value) {
    AppendFamily(out, name, type, help);
    for (std::size_t i = 0; i < kDependencyCount; ++i) {
      const Entry& e = entries_[i];
      if (!e.tracked.load(std::memory_order_relaxed)) continue;
      const std::string labels =
          std::string("dependency=\"") + DependencyName(static_cast<Dependency>(i)) + "\"";
      AppendSample(out, name, labels, value(e));
    }
  };
  family("parley_dependency_up", "gauge",
         "1 while the dependency answers (as this gateway sees it), 0 while it is down.",
         [](const Entry& e) -> std::int64_t {
           return e.state.load(std::memory_order_relaxed) == State::kUp ? 1 : 0;
         });
  family("parley_dependency_down_total", "counter",
         "Times the dependency went down (each is one \"<dependency> down\" log line).",
         [](const Entry& e) -> std::uint64_t {
           return e.down_total.load(std::memory_order_relaxed);
         });
}

}  // namespace parley::base
