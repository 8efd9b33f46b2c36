#pragma once
// The bus's figures on GET /metrics: the sessions attached on this process
// and, in cluster mode, RedisBus's counters (RedisBusStats), read at scrape
// time. Names and meanings: docs/operations.md.
//
// Threads: the collector runs on the thread that renders the metrics; the
// bus (and the RedisBus, when given) must outlive every render, i.e. the
// HTTP server.

#include <string>

#include "base/metrics.h"
#include "cluster/redis_bus.h"
#include "core/bus.h"

namespace parley::cluster {

// Adds the collector to `metrics`. `redis_bus` is null in embedded mode.
void AddBusMetrics(base::Metrics& metrics, const core::Bus& bus, const RedisBus* redis_bus);

// Appends RedisBusStats as parley_redis_bus_* counters.
void AppendRedisBusStats(const RedisBusStats& stats, std::string& out);

}  // namespace parley::cluster
