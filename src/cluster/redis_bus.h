#pragma once
// RedisBus: presence and cross-gateway delivery for cluster mode (docs/design.md
// "Goals and origins" 1, "Deployment modes", "Redis keys").
//
//   Publish(users, packet)            (any I/O thread, never blocks)
//     ├─ local sessions ──▶ LocalBus::Publish, inline (no Redis round trip)
//     └─ job ──▶ bounded queue ──▶ bus strand, in batches:
//          1. one pipeline: HGETALL {prefix}session:{uid} for every recipient
//          2. group recipients by gateway (not this one, deadline not past)
//          3. one pipeline: one PUBLISH {prefix}gw:{gw} per (packet, gateway),
//             carrying that gateway's recipients and the body once (wire.h)
//   Subscriber on {prefix}gw:{this gateway}
//     └─ decode ──▶ LocalBus::Publish to those users' local sessions
//
// Presence: {prefix}session:{uid} hash, field per session (wire.h), TTL
// presence_ttl. Attach/Detach are written in batches (whatever piled up while
// the previous write was in flight goes in one pipeline); every
// refresh_interval one pipelined round trip refreshes every local user. A
// gateway that dies stops refreshing: its fields fall out within the TTL.
// Shutdown() removes this gateway's fields.
//
// After Redis comes back (the subscriber resubscribed, or a presence write
// failed and then succeeded) the bus reconciles: a full refresh re-adds every
// local session (Redis may have restarted empty), then the users this gateway
// removed sessions of within the last presence_ttl are read back and this
// gateway's fields of sessions it no longer has are deleted (a restart from
// an AOF or RDB older than the HDEL brings them back). Older removals need no
// repair: such a field's deadline has passed, readers ignore and prune it.
//
// Delivery is best effort, at least once while everything is up: a full
// queue drops (publishes_dropped), Redis down loses routed packets
// (route_errors at the lookup, publish_errors at the PUBLISH), pub/sub loses
// what is published while a subscriber reconnects. Clients fill gaps by
// SYNC/PULL (docs/design.md "Delivery").
//
// Threads: Attach, Detach, Publish, LocalSessionCount, Healthy and stats are
// safe from any thread and never block. Open and Shutdown block: call them
// from a thread that is not running `executor` (the app's main thread). The
// bus's own work runs on a strand of `executor`, which must keep running
// until Shutdown returns.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"
#include "core/bus.h"
#include "redis/options.h"

namespace parley::cluster {

struct RedisBusOptions {
  std::string gateway_id;  // required; this gateway's channel is {prefix}gw:{gateway_id}
  std::string redis_host = "127.0.0.1";
  std::uint16_t redis_port = 6379;
  std::string key_prefix = "im:";
  std::chrono::milliseconds presence_ttl{300'000};
  std::chrono::milliseconds refresh_interval{60'000};
  // After a failed presence write: the next (full) attempt.
  std::chrono::milliseconds retry_interval{1'000};
  // Publishes waiting to be routed to other gateways; beyond, dropped.
  std::size_t max_queued_publishes = 65'536;
  // Publishes routed per lookup round trip.
  std::size_t max_batch = 512;
  // Users per presence pipeline (3 commands each), below redis max_in_flight.
  std::size_t refresh_chunk_users = 4'096;
  redis::Options redis;
};

// Counters (relaxed atomics: statistics, not synchronisation).
struct RedisBusStats {
  std::uint64_t publishes_routed = 0;      // jobs that went through a lookup
  std::uint64_t publishes_dropped = 0;     // queue full
  std::uint64_t route_errors = 0;          // jobs lost: their presence lookup failed
  std::uint64_t publish_errors = 0;        // PUBLISH commands lost: unencodable or Redis error
  std::uint64_t remote_publishes = 0;      // PUBLISH commands sent
  std::uint64_t gateways_absent = 0;       // PUBLISH that reached no subscriber
  std::uint64_t remote_received = 0;       // pub/sub messages delivered here
  std::uint64_t malformed_received = 0;    // pub/sub payloads not understood
  std::uint64_t presence_writes = 0;       // presence pipelines that succeeded
  std::uint64_t presence_full_refreshes = 0;
  std::uint64_t presence_errors = 0;       // presence pipelines that failed
  std::uint64_t stale_presence_pruned = 0; // fields of dead sessions removed
  std::uint64_t resubscribes = 0;          // subscriber came back after a loss
  std::uint64_t presence_reconciled = 0;   // fields of gone local sessions removed after a reconnect
};

class RedisBus final : public core::Bus {
 public:
  // Connects the client (fails fast, 503, when Redis is unreachable) and
  // subscribes to this gateway's channel (waiting up to a few seconds). 409
  // when a live gateway already uses the id.
  static base::Result<std::unique_ptr<RedisBus>> Open(RedisBusOptions options,
                                                      boost::asio::any_io_executor executor);
  static boost::asio::awaitable<base::Result<std::unique_ptr<RedisBus>>> Start(
      RedisBusOptions options, boost::asio::any_io_executor executor);

  // Without Shutdown: stops the bus's work and connections and leaves this
  // gateway's presence in Redis to expire (what a crash looks like to the
  // other gateways). Never blocks.
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  void Attach(const std::string& user_id, std::shared_ptr<core::Session> session) override;
  void Detach(const std::string& user_id, std::uint64_t session_id) override;
  void Publish(std::span<const std::string> user_ids, const core::OutboundPacket& packet,
               std::uint64_t skip_session_id) override;
  // Local sessions first, then one pipelined HGETALL for the others.
  boost::asio::awaitable<base::Result<std::vector<bool>>> Online(
      std::vector<std::string> user_ids) override;
  // This gateway's sessions at once, the others' through their channels.
  void Disconnect(const std::string& user_id, const std::string& reason) override;
  // This gateway's sessions, then the other gateways' from the user's
  // presence hash (one HGETALL).
  boost::asio::awaitable<base::Result<std::vector<Device>>> Devices(std::string user_id) override;
  std::size_t LocalSessionCount() const override;

  // Clean stop: no more routing or refreshes, this gateway's presence fields
  // are removed (one pipeline), the channel unsubscribed, connections closed.
  // Blocks up to `timeout`; false when that passed. Idempotent.
  bool Shutdown(std::chrono::milliseconds timeout);

  // True while both the command connection and the subscriber are up.
  bool Healthy() const;
  RedisBusStats stats() const;
  const std::string& gateway_id() const;

  // Writes every local user's presence now (as the periodic refresh does).
  void RefreshPresenceForTest();

 private:
  class State;  // what the bus's coroutines keep alive (redis_bus.cc)
  explicit RedisBus(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace parley::cluster
