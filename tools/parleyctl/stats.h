#pragma once
// `parleyctl stats`: the live figures an operator asks for first, from two
// scrapes of /metrics `interval` apart.

#include <map>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace parley::ctl {

// Prometheus text: each sample line "name{labels} value" -> value (labels
// kept in the key); comments skipped.
std::map<std::string, double> ParseMetrics(std::string_view text);

// connections open, sessions online, messages stored per second, store
// commit latency (mean over the interval), acks' mean latency, pushes queued
// but not yet written or dropped (the outbound queues), rate-limited and
// slow-consumer disconnects in the interval.
boost::json::object Stats(const std::map<std::string, double>& before,
                          const std::map<std::string, double>& after, double interval_s);

}  // namespace parley::ctl
