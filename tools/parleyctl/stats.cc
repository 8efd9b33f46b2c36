#include "tools/parleyctl/stats.h"

#include <charconv>
#include <cstdlib>

namespace parley::ctl {
namespace {

// The sum of every sample whose name (before any labels) is `name`.
double Sum(const std::map<std::string, double>& samples, std::string_view name) {
  double total = 0;
  for (auto it = samples.lower_bound(std::string(name)); it != samples.end(); ++it) {
    const std::string_view key = it->first;
    if (!key.starts_with(name)) break;
    if (key.size() == name.size() || key[name.size()] == '{') total += it->second;
  }
  return total;
}

double Delta(const std::map<std::string, double>& before,
             const std::map<std::string, double>& after, std::string_view name) {
  return Sum(after, name) - Sum(before, name);
}

// The mean of a histogram over the interval, in milliseconds (0 without samples).
double MeanMs(const std::map<std::string, double>& before,
              const std::map<std::string, double>& after, const std::string& histogram) {
  const double count = Delta(before, after, histogram + "_count");
  return count > 0 ? Delta(before, after, histogram + "_sum") / count * 1000.0 : 0.0;
}

}  // namespace

std::map<std::string, double> ParseMetrics(std::string_view text) {
  std::map<std::string, double> samples;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    const std::string value(line.substr(space + 1));
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    samples[std::string(line.substr(0, space))] = v;
  }
  return samples;
}

boost::json::object Stats(const std::map<std::string, double>& before,
                          const std::map<std::string, double>& after, double interval_s) {
  const double queued = Sum(after, "parley_pushes_queued_total") -
                        Sum(after, "parley_pushes_sent_total") -
                        Sum(after, "parley_pushes_dropped_total");
  return boost::json::object{
      {"connections_open", Sum(after, "parley_connections_open")},
      {"sessions_online", Sum(after, "parley_sessions_online")},
      {"messages_stored_per_s", Delta(before, after, "parley_messages_stored_total") / interval_s},
      {"requests_per_s", Delta(before, after, "parley_requests_total") / interval_s},
      {"store_commit_ms_mean", MeanMs(before, after, "parley_store_commit_seconds")},
      {"chat_ack_ms_mean", MeanMs(before, after, "parley_chat_ack_seconds")},
      {"pushes_in_queues", queued > 0 ? queued : 0.0},
      {"rate_limited", Delta(before, after, "parley_rate_limited_total")},
      {"slow_consumers_closed", Delta(before, after, "parley_slow_consumer_disconnects_total")},
      {"interval_s", interval_s}};
}

}  // namespace parley::ctl
