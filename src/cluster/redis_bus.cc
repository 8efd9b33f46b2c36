#include "cluster/redis_bus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cluster/local_bus.h"
#include "cluster/presence_registry.h"
#include "cluster/wire.h"
#include "redis/client.h"
#include "redis/script.h"
#include "redis/subscriber.h"

namespace parley::cluster {
namespace asio = boost::asio;

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Session ids start at 1 (net::NextConnectionId): 0 skips nobody.
constexpr std::uint64_t kSkipNone = 0;
// How long Start waits for the subscriber's first connection.
constexpr auto kSubscribeWait = std::chrono::seconds(5);
// Users per remote packet (the wire format counts them in a u16).
constexpr std::size_t kMaxUsersPerPacket = 0xFFFF;
// Session removals remembered for the reconcile after a reconnect (about
// 330 a second over the default presence_ttl). Beyond, the oldest are
// forgotten: a field of theirs that a restart brings back lasts until its
// deadline, as it did before the reconcile existed.
constexpr std::size_t kMaxRecentDetaches = 100'000;

// Deletes a presence field only if it still holds the value a reader saw
// past its deadline: a refresh by the field's owner in between wrote a new
// deadline, hence a new value, and survives. KEYS[i] pairs with
// ARGV[2i-1] (field) and ARGV[2i] (value).
constexpr const char* kPruneScript = R"lua(
local removed = 0
for i = 1, #KEYS do
  if redis.call('HGET', KEYS[i], ARGV[2 * i - 1]) == ARGV[2 * i] then
    removed = removed + redis.call('HDEL', KEYS[i], ARGV[2 * i - 1])
  end
end
return removed
)lua";

std::chrono::milliseconds UnixNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
}

void Bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t Read(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// Wakes one coroutine on a strand from any thread, with at most one post per
// wake-up however many notifications arrive meanwhile.
class Signal {
 public:
  explicit Signal(const asio::strand<asio::any_io_executor>& strand) : timer_(strand) {}

  // Any thread. `keep_alive` owns this signal; the posted cancel holds it.
  template <class Owner>
  void Notify(std::shared_ptr<Owner> keep_alive) {
    if (pending_.exchange(true, std::memory_order_acq_rel)) return;
    asio::post(timer_.get_executor(),
               [this, keep_alive = std::move(keep_alive)] { timer_.cancel(); });
  }

  // On the strand: returns once notified (before or during the wait) or at
  // `deadline`. A late cancel may wake a later wait early: callers loop.
  asio::awaitable<void> Wait(SteadyClock::time_point deadline) {
    if (pending_.exchange(false, std::memory_order_acq_rel)) co_return;
    timer_.expires_at(deadline);
    co_await timer_.async_wait(kAsTuple);
    pending_.store(false, std::memory_order_release);
  }

 private:
  asio::steady_timer timer_;
  std::atomic<bool> pending_{false};
};

}  // namespace

class RedisBus::State : public std::enable_shared_from_this<State> {
 public:
  State(RedisBusOptions options, asio::any_io_executor executor)
      : options_(std::move(options)),
        channel_(GatewayChannel(options_.key_prefix, options_.gateway_id)),
        executor_(std::move(executor)),
        strand_(asio::make_strand(executor_)),
        route_signal_(strand_),
        presence_signal_(strand_) {}

  // Start: connects, subscribes, starts the loops. Any executor.
  asio::awaitable<base::Result<void>> Connect();
  // Shutdown without cleaning Redis: close connections, end the loops.
  void Abandon();
  // On the strand: the clean stop.
  asio::awaitable<void> CleanShutdown(std::shared_ptr<State> self);

  void Enqueue(std::span<const std::string> user_ids, const core::OutboundPacket& packet);
  void PresenceChanged() { presence_signal_.Notify(shared_from_this()); }
  void ForceFullRefresh() {
    force_full_refresh_.store(true, std::memory_order_release);
    PresenceChanged();
  }
  bool Healthy() const {
    return !stopping_.load(std::memory_order_acquire) && client_ && client_->connected() &&
           subscriber_ && subscriber_->connected();
  }
  RedisBusStats Stats() const;
  asio::awaitable<base::Result<std::vector<bool>>> Online(std::vector<std::string> user_ids);
  asio::awaitable<base::Result<std::vector<core::Bus::Device>>> Devices(std::string user_id);
  const asio::strand<asio::any_io_executor>& strand() const { return strand_; }

  const RedisBusOptions options_;
  const std::string channel_;
  LocalBus local_;
  PresenceRegistry registry_;
  std::atomic<bool> shutdown_started_{false};

 private:
  struct Job {
    std::vector<std::string> user_ids;
    core::OutboundPacket packet;
  };
  // A presence field a reader found past its deadline.
  struct StaleField {
    std::string key;
    std::string field;
    std::string value;
  };

  // Everything below runs on strand_.
  asio::awaitable<void> RouteLoop(std::shared_ptr<State> self);
  // Where a batch's recipients are: each distinct user's position in
  // `gateways`, and the other gateways that user is on. Points into the
  // batch's user ids.
  struct Whereabouts {
    std::unordered_map<std::string_view, std::size_t> index;
    std::vector<std::vector<std::string>> gateways;
  };
  // Routes a batch to the other gateways: LookUp, GroupByGateway, PublishAll.
  asio::awaitable<void> Route(std::vector<Job> batch);
  // One pipelined HGETALL per distinct recipient; nullopt (counted as
  // route_errors) when Redis fails.
  asio::awaitable<std::optional<Whereabouts>> LookUp(const std::vector<Job>& batch);
  // The gateways other than this one in the HGETALL replies; prunes the
  // fields past their deadline in the background.
  std::vector<std::vector<std::string>> OtherGateways(const std::vector<const std::string*>& users,
                                                      const std::vector<redis::Reply>& found);
  // One PUBLISH per (packet, gateway) with all of that gateway's recipients.
  std::vector<redis::Args> GroupByGateway(const std::vector<Job>& batch,
                                          const Whereabouts& where);
  // Sends the PUBLISH commands in one pipeline.
  asio::awaitable<void> PublishAll(std::vector<redis::Args> publishes);
  asio::awaitable<void> Prune(std::shared_ptr<State> self, std::vector<StaleField> stale);
  asio::awaitable<void> PresenceLoop(std::shared_ptr<State> self);
  asio::awaitable<bool> WritePresence(const std::vector<PresenceRegistry::UserSessions>& users,
                                      const std::vector<std::pair<std::string, std::uint64_t>>&
                                          detached);
  asio::awaitable<bool> SendPresence(std::vector<redis::Args> commands);
  // Remembers users whose sessions were just removed from Redis; forgets
  // removals older than presence_ttl (their fields are past their deadline).
  void RememberDetached(const std::vector<std::pair<std::string, std::uint64_t>>& detached);
  // Deletes this gateway's fields of sessions it no longer has from the keys
  // of the users in recent_detaches_. False when Redis failed.
  asio::awaitable<bool> Reconcile();
  std::vector<Job> TakeBatch();

  // On the subscriber's strand.
  void OnRemote(const std::string& payload);
  void OnResubscribed();

  const asio::any_io_executor executor_;
  asio::strand<asio::any_io_executor> strand_;
  // Set once in Connect, before any other thread sees the state.
  std::shared_ptr<redis::Client> client_;
  std::shared_ptr<redis::Subscriber> subscriber_;
  redis::Script prune_script_{kPruneScript};

  std::mutex queue_mu_;
  std::deque<Job> queue_;  // guarded by queue_mu_; at most max_queued_publishes
  Signal route_signal_;
  Signal presence_signal_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> force_full_refresh_{false};
  // Redis may have come back with older data: reconcile after the next full
  // refresh.
  std::atomic<bool> reconcile_pending_{false};
  // strand: (time of the HDEL, user), oldest first; see RememberDetached.
  std::deque<std::pair<SteadyClock::time_point, std::string>> recent_detaches_;
  bool presence_failing_ = false;  // strand: log a failure once, not every retry
  bool route_failing_ = false;     // strand

  std::atomic<std::uint64_t> publishes_routed_{0};
  std::atomic<std::uint64_t> publishes_dropped_{0};
  std::atomic<std::uint64_t> route_errors_{0};
  std::atomic<std::uint64_t> publish_errors_{0};
  std::atomic<std::uint64_t> remote_publishes_{0};
  std::atomic<std::uint64_t> gateways_absent_{0};
  std::atomic<std::uint64_t> remote_received_{0};
  std::atomic<std::uint64_t> malformed_received_{0};
  std::atomic<std::uint64_t> presence_writes_{0};
  std::atomic<std::uint64_t> presence_full_refreshes_{0};
  std::atomic<std::uint64_t> presence_errors_{0};
  std::atomic<std::uint64_t> stale_presence_pruned_{0};
  std::atomic<std::uint64_t> resubscribes_{0};
  std::atomic<std::uint64_t> presence_reconciled_{0};
};

// ---- start and stop ----

asio::awaitable<base::Result<void>> RedisBus::State::Connect() {
  base::Result<std::shared_ptr<redis::Client>> client = co_await redis::Client::Connect(
      executor_, options_.redis_host, options_.redis_port, options_.redis);
  if (!client) co_return client.error();
  client_ = std::move(*client);

  // Two gateways with one id would both receive, and deliver, every packet
  // meant for either: refuse to start while another one listens.
  redis::Args numsub{"PUBSUB", "NUMSUB", channel_};
  base::Result<redis::Reply> listeners = co_await client_->Command(std::move(numsub));
  if (!listeners) co_return listeners.error();
  const std::vector<redis::Reply>& counts = listeners->elements();
  if (listeners->IsArray() && counts.size() == 2 && counts[1].IsInteger() &&
      counts[1].integer() > 0) {
    co_return base::MakeError(base::Code::kConflict,
                              "redis bus: another gateway with id '" + options_.gateway_id +
                                  "' is running (it subscribes to " + channel_ + ")");
  }

  // Callbacks hold the state weakly: the subscriber lives until Close, which
  // may be after the bus is gone.
  std::weak_ptr<State> weak = weak_from_this();
  subscriber_ = redis::Subscriber::Start(
      executor_, options_.redis_host, options_.redis_port, options_.redis,
      [weak](const std::string& /*channel*/, const std::string& payload) {
        if (auto self = weak.lock()) self->OnRemote(payload);
      },
      [weak] {
        if (auto self = weak.lock()) self->OnResubscribed();
      });
  // The subscriber connects in the background and answers 503 until then;
  // the channel is remembered either way, so retrying is harmless.
  const auto deadline = SteadyClock::now() + kSubscribeWait;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    std::vector<std::string> channels{channel_};
    base::Result<void> subscribed = co_await subscriber_->Subscribe(std::move(channels));
    if (subscribed) break;
    if (SteadyClock::now() >= deadline) {
      co_return base::MakeError(base::Code::kUnavailable, "redis bus: cannot subscribe to " +
                                                              channel_ + ": " +
                                                              subscribed.error().message);
    }
    pause.expires_after(std::chrono::milliseconds(20));
    co_await pause.async_wait(kAsTuple);
  }
  std::shared_ptr<State> self = shared_from_this();
  asio::co_spawn(strand_, RouteLoop(self), asio::detached);
  asio::co_spawn(strand_, PresenceLoop(self), asio::detached);
  spdlog::info("redis bus: gateway {} on {}:{}, channel {}", options_.gateway_id,
               options_.redis_host, options_.redis_port, channel_);
  co_return base::Result<void>();
}

void RedisBus::State::Abandon() {
  stopping_.store(true, std::memory_order_release);
  if (client_) client_->Close();  // a routing or presence write in flight: 503
  if (subscriber_) subscriber_->Close();
  route_signal_.Notify(shared_from_this());
  presence_signal_.Notify(shared_from_this());
}

asio::awaitable<void> RedisBus::State::CleanShutdown(std::shared_ptr<State> self) {
  stopping_.store(true, std::memory_order_release);
  route_signal_.Notify(self);
  presence_signal_.Notify(self);
  // Commands go out on one connection in the order they were issued, so this
  // HDEL lands after any presence write still in flight.
  std::vector<redis::Args> commands;
  for (const PresenceRegistry::UserSessions& user : registry_.Snapshot()) {
    redis::Args hdel{"HDEL", SessionKey(options_.key_prefix, user.user_id)};
    for (std::uint64_t id : user.session_ids) {
      hdel.push_back(PresenceField(options_.gateway_id, id));
    }
    commands.push_back(std::move(hdel));
  }
  for (auto& [user_id, id] : registry_.TakeChanges().detached) {
    redis::Args hdel{"HDEL", SessionKey(options_.key_prefix, user_id),
                     PresenceField(options_.gateway_id, id)};
    commands.push_back(std::move(hdel));
  }
  const std::size_t removed = commands.size();
  if (!commands.empty()) {
    base::Result<std::vector<redis::Reply>> replies =
        co_await client_->Pipeline(std::move(commands));
    if (!replies) {
      spdlog::warn("redis bus: presence of gateway {} not removed ({}); it expires within {} s",
                   options_.gateway_id, replies.error().message,
                   options_.presence_ttl.count() / 1000);
    }
  }
  std::vector<std::string> channels{channel_};
  base::Result<void> unsubscribed = co_await subscriber_->Unsubscribe(std::move(channels));
  (void)unsubscribed;  // closing anyway
  client_->Close();
  subscriber_->Close();
  const RedisBusStats stats = Stats();
  spdlog::info("redis bus: gateway {} stopped ({} presence entries removed); routed {}, "
               "published {}, received {}, dropped {}, route errors {}, publish errors {}",
               options_.gateway_id, removed, stats.publishes_routed, stats.remote_publishes,
               stats.remote_received, stats.publishes_dropped, stats.route_errors,
               stats.publish_errors);
}

// ---- routing ----

void RedisBus::State::Enqueue(std::span<const std::string> user_ids,
                              const core::OutboundPacket& packet) {
  if (user_ids.empty() || stopping_.load(std::memory_order_acquire)) return;
  {
    std::lock_guard lock(queue_mu_);
    if (queue_.size() >= options_.max_queued_publishes) {
      Bump(publishes_dropped_);
      return;
    }
    queue_.push_back(Job{std::vector<std::string>(user_ids.begin(), user_ids.end()), packet});
  }
  route_signal_.Notify(shared_from_this());
}

std::vector<RedisBus::State::Job> RedisBus::State::TakeBatch() {
  std::lock_guard lock(queue_mu_);
  const std::size_t n = std::min(queue_.size(), std::max<std::size_t>(1, options_.max_batch));
  std::vector<Job> batch;
  batch.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

asio::awaitable<void> RedisBus::State::RouteLoop(std::shared_ptr<State> /*keep_alive*/) {
  while (!stopping_.load(std::memory_order_acquire)) {
    co_await route_signal_.Wait(SteadyClock::time_point::max());
    while (!stopping_.load(std::memory_order_acquire)) {
      std::vector<Job> batch = TakeBatch();
      if (batch.empty()) break;
      co_await Route(std::move(batch));
    }
  }
}

asio::awaitable<void> RedisBus::State::Route(std::vector<Job> batch) {
  std::optional<Whereabouts> where = co_await LookUp(batch);
  if (!where) co_return;
  std::vector<redis::Args> publishes = GroupByGateway(batch, *where);
  if (publishes.empty()) co_return;
  co_await PublishAll(std::move(publishes));
}

asio::awaitable<std::optional<RedisBus::State::Whereabouts>> RedisBus::State::LookUp(
    const std::vector<Job>& batch) {
  // Where is every recipient of the batch? One HGETALL per distinct user, all
  // in one pipeline.
  Whereabouts where;
  std::vector<const std::string*> users;
  for (const Job& job : batch) {
    for (const std::string& user_id : job.user_ids) {
      if (where.index.try_emplace(user_id, users.size()).second) users.push_back(&user_id);
    }
  }
  std::vector<redis::Args> lookups;
  lookups.reserve(users.size());
  for (const std::string* user_id : users) {
    redis::Args hgetall{"HGETALL", SessionKey(options_.key_prefix, *user_id)};
    lookups.push_back(std::move(hgetall));
  }
  base::Result<std::vector<redis::Reply>> found = co_await client_->Pipeline(std::move(lookups));
  Bump(publishes_routed_, batch.size());
  if (!found) {
    Bump(route_errors_, batch.size());
    if (!route_failing_) {
      spdlog::warn("redis bus: cannot route to other gateways: {}", found.error().message);
    }
    route_failing_ = true;
    co_return std::nullopt;
  }
  if (route_failing_) spdlog::info("redis bus: routing to other gateways again");
  route_failing_ = false;
  where.gateways = OtherGateways(users, *found);
  co_return where;
}

std::vector<std::vector<std::string>> RedisBus::State::OtherGateways(
    const std::vector<const std::string*>& users, const std::vector<redis::Reply>& found) {
  // The other gateways each user is on, fields past their deadline aside
  // (and pruned in the background).
  const std::chrono::milliseconds now = UnixNow();
  std::vector<std::vector<std::string>> gateways(users.size());
  std::vector<StaleField> stale;
  for (std::size_t i = 0; i < users.size() && i < found.size(); ++i) {
    const redis::Reply& reply = found[i];
    if (!reply.IsArray()) continue;
    const std::vector<redis::Reply>& pairs = reply.elements();
    for (std::size_t j = 0; j + 1 < pairs.size(); j += 2) {
      std::optional<PresenceEntry> entry = ParsePresenceValue(pairs[j + 1].str());
      if (!entry) continue;
      if (entry->deadline < now) {
        stale.push_back(StaleField{SessionKey(options_.key_prefix, *users[i]), pairs[j].str(),
                                   pairs[j + 1].str()});
        continue;
      }
      if (entry->gateway_id == options_.gateway_id) continue;  // delivered locally already
      std::vector<std::string>& of_user = gateways[i];
      if (std::find(of_user.begin(), of_user.end(), entry->gateway_id) == of_user.end()) {
        of_user.push_back(std::move(entry->gateway_id));
      }
    }
  }
  if (!stale.empty()) asio::co_spawn(strand_, Prune(shared_from_this(), std::move(stale)),
                                     asio::detached);
  return gateways;
}

std::vector<redis::Args> RedisBus::State::GroupByGateway(const std::vector<Job>& batch,
                                                         const Whereabouts& where) {
  // One PUBLISH per (packet, gateway) with all of that gateway's recipients.
  std::vector<redis::Args> publishes;
  for (const Job& job : batch) {
    std::map<std::string_view, std::vector<const std::string*>> targets;
    std::unordered_set<std::string_view> seen;
    for (const std::string& user_id : job.user_ids) {
      if (!seen.insert(user_id).second) continue;
      for (const std::string& gateway : where.gateways[where.index.at(user_id)]) {
        targets[gateway].push_back(&user_id);
      }
    }
    const std::string_view body = job.packet.body ? std::string_view(*job.packet.body) : "";
    for (const auto& [gateway, recipients] : targets) {
      for (std::size_t at = 0; at < recipients.size(); at += kMaxUsersPerPacket) {
        const std::size_t n = std::min(kMaxUsersPerPacket, recipients.size() - at);
        std::optional<std::string> payload = EncodeRemotePacket(
            std::span<const std::string* const>(recipients.data() + at, n), job.packet.cmd, body);
        if (!payload) {
          Bump(publish_errors_);
          continue;
        }
        redis::Args publish{"PUBLISH", GatewayChannel(options_.key_prefix, gateway),
                            std::move(*payload)};
        publishes.push_back(std::move(publish));
      }
    }
  }
  return publishes;
}

asio::awaitable<void> RedisBus::State::PublishAll(std::vector<redis::Args> publishes) {
  const std::size_t sent = publishes.size();
  base::Result<std::vector<redis::Reply>> published =
      co_await client_->Pipeline(std::move(publishes));
  if (!published) {
    Bump(publish_errors_, sent);
    co_return;
  }
  Bump(remote_publishes_, sent);
  for (const redis::Reply& receivers : *published) {
    // No subscriber: that gateway died after its last refresh (its fields
    // fall out within the TTL) or is reconnecting its subscriber.
    if (receivers.IsInteger() && receivers.integer() == 0) Bump(gateways_absent_);
  }
}

asio::awaitable<void> RedisBus::State::Prune(std::shared_ptr<State> /*keep_alive*/,
                                             std::vector<StaleField> stale) {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  keys.reserve(stale.size());
  args.reserve(stale.size() * 2);
  for (StaleField& field : stale) {
    keys.push_back(std::move(field.key));
    args.push_back(std::move(field.field));
    args.push_back(std::move(field.value));
  }
  base::Result<redis::Reply> removed =
      co_await prune_script_.Run(*client_, std::move(keys), std::move(args));
  if (removed && removed->IsInteger()) {
    Bump(stale_presence_pruned_, static_cast<std::uint64_t>(removed->integer()));
  }
}

// ---- receiving ----

void RedisBus::State::OnRemote(const std::string& payload) {
  std::optional<RemotePacket> remote = DecodeRemotePacket(payload);
  if (!remote) {
    Bump(malformed_received_);
    return;
  }
  Bump(remote_received_);
  if (remote->cmd == kDisconnectCmd) {
    for (const std::string& user_id : remote->user_ids) local_.Disconnect(user_id, remote->body);
    return;
  }
  core::OutboundPacket packet{remote->cmd,
                              std::make_shared<const std::string>(std::move(remote->body))};
  local_.Publish(remote->user_ids, packet, kSkipNone);
}

void RedisBus::State::OnResubscribed() {
  // The subscriber lost its connection: Redis may have restarted and lost
  // recent presence writes (AOF fsyncs every second). Write everything again.
  Bump(resubscribes_);
  reconcile_pending_.store(true, std::memory_order_release);
  ForceFullRefresh();
}

// ---- presence ----

asio::awaitable<void> RedisBus::State::PresenceLoop(std::shared_ptr<State> /*keep_alive*/) {
  auto next_full = SteadyClock::now() + options_.refresh_interval;
  while (!stopping_.load(std::memory_order_acquire)) {
    co_await presence_signal_.Wait(next_full);
    if (stopping_.load(std::memory_order_acquire)) break;
    const bool forced = force_full_refresh_.exchange(false, std::memory_order_acq_rel);
    const bool full = forced || SteadyClock::now() >= next_full;
    PresenceRegistry::Changes changes = registry_.TakeChanges();
    if (!full && changes.empty()) continue;
    std::vector<PresenceRegistry::UserSessions> users =
        full ? registry_.Snapshot() : std::move(changes.attached);
    const bool ok = co_await WritePresence(users, changes.detached);
    if (ok) RememberDetached(changes.detached);
    // A reconcile follows a full refresh: fields this gateway must keep are
    // all written by then.
    if (ok && full && reconcile_pending_.exchange(false, std::memory_order_acq_rel)) {
      const bool reconciled = co_await Reconcile();
      if (!reconciled) {
        reconcile_pending_.store(true, std::memory_order_release);
        next_full = SteadyClock::now() + options_.retry_interval;
        continue;
      }
    }
    if (ok) {
      if (full) {
        Bump(presence_full_refreshes_);
        next_full = SteadyClock::now() + options_.refresh_interval;
      }
      continue;
    }
    // Try again soon, everything: a full refresh rewrites the attached
    // sessions; the detached ones are kept to be deleted then.
    PresenceRegistry::Changes retry;
    retry.detached = std::move(changes.detached);
    registry_.Restore(std::move(retry));
    next_full = SteadyClock::now() + options_.retry_interval;
  }
}

asio::awaitable<bool> RedisBus::State::WritePresence(
    const std::vector<PresenceRegistry::UserSessions>& users,
    const std::vector<std::pair<std::string, std::uint64_t>>& detached) {
  const std::string value = PresenceValue(options_.gateway_id, UnixNow() + options_.presence_ttl);
  const std::string ttl = std::to_string(options_.presence_ttl.count());
  const std::size_t chunk = std::max<std::size_t>(1, options_.refresh_chunk_users) * 2;
  std::vector<redis::Args> commands;
  for (const auto& [user_id, id] : detached) {
    redis::Args hdel{"HDEL", SessionKey(options_.key_prefix, user_id),
                     PresenceField(options_.gateway_id, id)};
    commands.push_back(std::move(hdel));
  }
  for (const PresenceRegistry::UserSessions& user : users) {
    const std::string key = SessionKey(options_.key_prefix, user.user_id);
    redis::Args hset{"HSET", key};
    for (std::uint64_t id : user.session_ids) {
      hset.push_back(PresenceField(options_.gateway_id, id));
      hset.push_back(value);
    }
    commands.push_back(std::move(hset));
    // Every write sets the key's TTL to the full presence_ttl, in Redis's
    // clock: it never ends before the freshest field's deadline.
    redis::Args expire{"PEXPIRE", key, ttl};
    commands.push_back(std::move(expire));
    if (commands.size() >= chunk) {
      const bool sent = co_await SendPresence(std::move(commands));
      commands.clear();
      if (!sent) co_return false;
      if (stopping_.load(std::memory_order_acquire)) co_return true;
    }
  }
  if (commands.empty()) co_return true;
  const bool sent = co_await SendPresence(std::move(commands));
  co_return sent;
}

asio::awaitable<bool> RedisBus::State::SendPresence(std::vector<redis::Args> commands) {
  base::Result<std::vector<redis::Reply>> replies = co_await client_->Pipeline(std::move(commands));
  if (!replies) {
    Bump(presence_errors_);
    // The connection was lost: Redis may come back from older data.
    reconcile_pending_.store(true, std::memory_order_release);
    if (!presence_failing_) {
      spdlog::warn("redis bus: cannot write presence of gateway {}: {}; retrying",
                   options_.gateway_id, replies.error().message);
    }
    presence_failing_ = true;
    co_return false;
  }
  for (const redis::Reply& reply : *replies) {
    // A command Redis refused (say, a key of the wrong type) would fail the
    // same way on a retry: log it and go on.
    if (reply.IsError()) {
      spdlog::error("redis bus: presence write refused: {}", reply.str());
      Bump(presence_errors_);
      break;
    }
  }
  if (presence_failing_) spdlog::info("redis bus: presence of gateway {} written again",
                                      options_.gateway_id);
  presence_failing_ = false;
  Bump(presence_writes_);
  co_return true;
}

void RedisBus::State::RememberDetached(
    const std::vector<std::pair<std::string, std::uint64_t>>& detached) {
  const SteadyClock::time_point now = SteadyClock::now();
  for (const auto& [user_id, id] : detached) recent_detaches_.emplace_back(now, user_id);
  while (!recent_detaches_.empty() &&
         (recent_detaches_.size() > kMaxRecentDetaches ||
          recent_detaches_.front().first + options_.presence_ttl < now)) {
    recent_detaches_.pop_front();
  }
}

asio::awaitable<bool> RedisBus::State::Reconcile() {
  RememberDetached({});  // forget what is past its deadline anyway
  std::vector<std::string> users;
  {
    std::unordered_set<std::string_view> seen;
    for (const auto& [at, user_id] : recent_detaches_) {
      if (seen.insert(user_id).second) users.push_back(user_id);
    }
  }
  const std::string own = options_.gateway_id + '/';
  const std::size_t chunk = std::max<std::size_t>(1, options_.refresh_chunk_users);
  for (std::size_t at = 0; at < users.size(); at += chunk) {
    if (stopping_.load(std::memory_order_acquire)) co_return true;
    const std::size_t n = std::min(chunk, users.size() - at);
    std::vector<redis::Args> lookups;
    lookups.reserve(n);
    for (std::size_t i = at; i < at + n; ++i) {
      redis::Args hgetall{"HGETALL", SessionKey(options_.key_prefix, users[i])};
      lookups.push_back(std::move(hgetall));
    }
    base::Result<std::vector<redis::Reply>> found =
        co_await client_->Pipeline(std::move(lookups));
    if (!found) {
      Bump(presence_errors_);
      co_return false;
    }
    // Between this read and the HDEL no field of this gateway is written:
    // only this loop writes them, and it is here. A session attached since
    // is in the registry, so its field, if any, is kept.
    std::vector<redis::Args> removals;
    for (std::size_t i = 0; i < n && i < found->size(); ++i) {
      const redis::Reply& reply = (*found)[i];
      if (!reply.IsArray()) continue;
      const std::string& user_id = users[at + i];
      redis::Args hdel{"HDEL", SessionKey(options_.key_prefix, user_id)};
      const std::vector<redis::Reply>& pairs = reply.elements();
      for (std::size_t j = 0; j + 1 < pairs.size(); j += 2) {
        const std::string& field = pairs[j].str();
        if (!field.starts_with(own)) continue;
        std::uint64_t id = 0;
        const char* end = field.data() + field.size();
        const auto [ptr, ec] = std::from_chars(field.data() + own.size(), end, id);
        if (ec == std::errc() && ptr == end && registry_.Contains(user_id, id)) continue;
        hdel.push_back(field);
      }
      if (hdel.size() > 2) removals.push_back(std::move(hdel));
    }
    if (removals.empty()) continue;
    base::Result<std::vector<redis::Reply>> removed =
        co_await client_->Pipeline(std::move(removals));
    if (!removed) {
      Bump(presence_errors_);
      co_return false;
    }
    for (const redis::Reply& count : *removed) {
      if (count.IsInteger()) Bump(presence_reconciled_, static_cast<std::uint64_t>(count.integer()));
    }
  }
  co_return true;
}

RedisBusStats RedisBus::State::Stats() const {
  RedisBusStats s;
  s.publishes_routed = Read(publishes_routed_);
  s.publishes_dropped = Read(publishes_dropped_);
  s.route_errors = Read(route_errors_);
  s.publish_errors = Read(publish_errors_);
  s.remote_publishes = Read(remote_publishes_);
  s.gateways_absent = Read(gateways_absent_);
  s.remote_received = Read(remote_received_);
  s.malformed_received = Read(malformed_received_);
  s.presence_writes = Read(presence_writes_);
  s.presence_full_refreshes = Read(presence_full_refreshes_);
  s.presence_errors = Read(presence_errors_);
  s.stale_presence_pruned = Read(stale_presence_pruned_);
  s.resubscribes = Read(resubscribes_);
  s.presence_reconciled = Read(presence_reconciled_);
  return s;
}

// ---- RedisBus ----

namespace {

asio::awaitable<void> StartInto(
    RedisBusOptions options, asio::any_io_executor executor,
    std::shared_ptr<std::promise<base::Result<std::unique_ptr<RedisBus>>>> out) {
  base::Result<std::unique_ptr<RedisBus>> bus =
      co_await RedisBus::Start(std::move(options), std::move(executor));
  out->set_value(std::move(bus));
}

}  // namespace

base::Result<std::unique_ptr<RedisBus>> RedisBus::Open(RedisBusOptions options,
                                                       asio::any_io_executor executor) {
  auto promise = std::make_shared<std::promise<base::Result<std::unique_ptr<RedisBus>>>>();
  auto result = promise->get_future();
  asio::co_spawn(executor, StartInto(std::move(options), executor, promise), asio::detached);
  return result.get();
}

asio::awaitable<base::Result<std::unique_ptr<RedisBus>>> RedisBus::Start(
    RedisBusOptions options, asio::any_io_executor executor) {
  if (options.gateway_id.empty()) {
    co_return base::MakeError(base::Code::kBadRequest, "redis bus: the gateway id is empty");
  }
  auto state = std::make_shared<State>(std::move(options), std::move(executor));
  base::Result<void> connected = co_await state->Connect();
  if (!connected) {
    state->Abandon();
    co_return connected.error();
  }
  co_return std::unique_ptr<RedisBus>(new RedisBus(std::move(state)));
}

RedisBus::RedisBus(std::shared_ptr<State> state) : state_(std::move(state)) {}

RedisBus::~RedisBus() { state_->Abandon(); }

void RedisBus::Attach(const std::string& user_id, std::shared_ptr<core::Session> session) {
  const std::uint64_t id = session->id();
  state_->local_.Attach(user_id, std::move(session));
  state_->registry_.Attach(user_id, id);
  state_->PresenceChanged();
}

void RedisBus::Detach(const std::string& user_id, std::uint64_t session_id) {
  state_->local_.Detach(user_id, session_id);
  state_->registry_.Detach(user_id, session_id);
  state_->PresenceChanged();
}

void RedisBus::Publish(std::span<const std::string> user_ids, const core::OutboundPacket& packet,
                       std::uint64_t skip_session_id) {
  // This gateway's sessions at once, on the caller's thread (LocalBus never
  // blocks); the others through the bus's strand.
  state_->local_.Publish(user_ids, packet, skip_session_id);
  state_->Enqueue(user_ids, packet);
}

void RedisBus::Disconnect(const std::string& user_id, const std::string& reason) {
  state_->local_.Disconnect(user_id, reason);
  const core::OutboundPacket close{kDisconnectCmd, std::make_shared<const std::string>(reason)};
  state_->Enqueue(std::span<const std::string>(&user_id, 1), close);
}

asio::awaitable<base::Result<std::vector<core::Bus::Device>>> RedisBus::Devices(
    std::string user_id) {
  return state_->Devices(std::move(user_id));
}

asio::awaitable<base::Result<std::vector<core::Bus::Device>>> RedisBus::State::Devices(
    std::string user_id) {
  std::vector<core::Bus::Device> devices;
  for (std::uint64_t id : local_.SessionIds(user_id)) {
    devices.push_back(core::Bus::Device{options_.gateway_id, id});
  }
  if (!client_) co_return base::MakeError(base::Code::kUnavailable, "redis bus not connected");
  redis::Args hgetall{"HGETALL", SessionKey(options_.key_prefix, user_id)};
  base::Result<redis::Reply> found = co_await client_->Command(std::move(hgetall));
  if (!found) co_return found.error();
  if (!found->IsArray()) co_return devices;
  const std::chrono::milliseconds now = UnixNow();
  const std::vector<redis::Reply>& pairs = found->elements();
  for (std::size_t j = 0; j + 1 < pairs.size(); j += 2) {
    std::optional<PresenceEntry> entry = ParsePresenceValue(pairs[j + 1].str());
    std::optional<std::uint64_t> session_id = SessionIdOfField(pairs[j].str());
    // This gateway's own fields may lag its sessions: those came from local_.
    if (!entry || !session_id || entry->deadline < now) continue;
    if (entry->gateway_id == options_.gateway_id) continue;
    devices.push_back(core::Bus::Device{std::move(entry->gateway_id), *session_id});
  }
  co_return devices;
}

std::size_t RedisBus::LocalSessionCount() const { return state_->local_.LocalSessionCount(); }

asio::awaitable<base::Result<std::vector<bool>>> RedisBus::Online(
    std::vector<std::string> user_ids) {
  return state_->Online(std::move(user_ids));
}

asio::awaitable<base::Result<std::vector<bool>>> RedisBus::State::Online(
    std::vector<std::string> user_ids) {
  std::vector<bool> online(user_ids.size());
  std::vector<std::size_t> asked;
  std::vector<redis::Args> lookups;
  for (std::size_t i = 0; i < user_ids.size(); ++i) {
    online[i] = local_.HasSession(user_ids[i]);
    if (online[i]) continue;
    asked.push_back(i);
    redis::Args hgetall{"HGETALL", SessionKey(options_.key_prefix, user_ids[i])};
    lookups.push_back(std::move(hgetall));
  }
  if (lookups.empty()) co_return online;
  if (!client_) co_return base::MakeError(base::Code::kUnavailable, "redis bus not connected");
  base::Result<std::vector<redis::Reply>> found = co_await client_->Pipeline(std::move(lookups));
  if (!found) co_return found.error();
  const std::chrono::milliseconds now = UnixNow();
  for (std::size_t k = 0; k < asked.size() && k < found->size(); ++k) {
    const redis::Reply& reply = (*found)[k];
    if (!reply.IsArray()) continue;
    const std::vector<redis::Reply>& pairs = reply.elements();
    for (std::size_t j = 0; j + 1 < pairs.size(); j += 2) {
      std::optional<PresenceEntry> entry = ParsePresenceValue(pairs[j + 1].str());
      if (entry && entry->deadline >= now) online[asked[k]] = true;
    }
  }
  co_return online;
}

bool RedisBus::Shutdown(std::chrono::milliseconds timeout) {
  if (state_->shutdown_started_.exchange(true)) return true;
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  asio::co_spawn(state_->strand(), state_->CleanShutdown(state_),
                 [done](std::exception_ptr) { done->set_value(); });
  return finished.wait_for(timeout) == std::future_status::ready;
}

bool RedisBus::Healthy() const { return state_->Healthy(); }

RedisBusStats RedisBus::stats() const { return state_->Stats(); }

const std::string& RedisBus::gateway_id() const { return state_->options_.gateway_id; }

void RedisBus::RefreshPresenceForTest() { state_->ForceFullRefresh(); }

}  // namespace parley::cluster
