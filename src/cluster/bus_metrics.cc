#include "cluster/bus_metrics.h"

#include <cstdint>
#include <string_view>

namespace parley::cluster {
namespace {

void Counter(std::string& out, std::string_view name, std::string_view help,
             std::uint64_t value) {
  base::AppendFamily(out, name, "counter", help);
  base::AppendSample(out, name, {}, value);
}

}  // namespace

void AppendRedisBusStats(const RedisBusStats& s, std::string& out) {
  Counter(out, "parley_redis_bus_publishes_routed_total",
          "Publishes (a packet and its recipients) looked up for other gateways.",
          s.publishes_routed);
  Counter(out, "parley_redis_bus_publishes_dropped_total",
          "Publishes dropped before routing: the bus's queue was full.", s.publishes_dropped);
  Counter(out, "parley_redis_bus_route_errors_total",
          "Publishes lost because their presence lookup failed (Redis error).", s.route_errors);
  Counter(out, "parley_redis_bus_publish_errors_total",
          "PUBLISH commands lost: payload not encodable or the pipeline failed.",
          s.publish_errors);
  Counter(out, "parley_redis_bus_remote_publishes_total",
          "PUBLISH commands sent to other gateways' channels.", s.remote_publishes);
  Counter(out, "parley_redis_bus_gateways_absent_total",
          "PUBLISH commands that reached no subscriber (gateway gone or reconnecting).",
          s.gateways_absent);
  Counter(out, "parley_redis_bus_remote_received_total",
          "Packets received from other gateways and handed to local sessions.",
          s.remote_received);
  Counter(out, "parley_redis_bus_malformed_received_total",
          "Pub/sub payloads on this gateway's channel that could not be decoded.",
          s.malformed_received);
  Counter(out, "parley_redis_bus_presence_writes_total",
          "Presence pipelines written (attach/detach batches and refreshes).", s.presence_writes);
  Counter(out, "parley_redis_bus_presence_full_refreshes_total",
          "Full rewrites of this gateway's presence (periodic, or after a resubscribe).",
          s.presence_full_refreshes);
  Counter(out, "parley_redis_bus_presence_errors_total",
          "Presence pipelines that failed or had a command refused.", s.presence_errors);
  Counter(out, "parley_redis_bus_stale_presence_pruned_total",
          "Presence fields of dead sessions removed by this gateway.", s.stale_presence_pruned);
  Counter(out, "parley_redis_bus_resubscribes_total",
          "Times the pub/sub subscriber came back after losing its connection.", s.resubscribes);
  Counter(out, "parley_redis_bus_presence_reconciled_total",
          "Presence fields of this gateway's gone sessions removed after Redis came back.",
          s.presence_reconciled);
}

void AddBusMetrics(base::Metrics& metrics, const core::Bus& bus, const RedisBus* redis_bus) {
  metrics.AddCollector([&bus, redis_bus](std::string& out) {
    base::AppendFamily(out, "parley_sessions_online", "gauge",
                       "Logged-in sessions attached to the bus on this process.");
    base::AppendSample(out, "parley_sessions_online", {},
                       static_cast<std::uint64_t>(bus.LocalSessionCount()));
    if (redis_bus) AppendRedisBusStats(redis_bus->stats(), out);
  });
}

}  // namespace parley::cluster
