// RedisMysqlStore::SeedInboxFloor: where every user's inbox_seq starts when
// Redis holds none (a fresh cluster, or Redis lost its data).
//
// The rule. A device's SYNC cursor is an inbox_seq it was given. A cursor is
// valid while the entry right after it is still kept (inbox_read.cc); a
// cursor of 0 (a new device) is valid while the user's first entry is kept.
// So the floor must:
//   - never let inbox_seq go back below a cursor a device may hold: after
//     Redis lost its data, inbox_seq restarts above every value handed out
//     before, and the cursors from before read as "expired" (reason
//     "reset"): the device falls back to CONVERSATIONS + PULL;
//   - be 0 on a fresh cluster, so a user's first entry is inbox_seq 1 and a
//     new device's SYNC from 0 reads it, whatever kind of message came
//     first (a big group's messages are in MySQL but wrote no inbox).
// "Fresh" is not "MySQL has no message": read-diffusion messages never
// touch an inbox. It is "Redis never held inbox state", which MySQL records
// (cluster_state 'inbox_state') before the first floor is set, so a Redis
// that later loses the floor finds the record and restarts high.
//
// After a loss the floor is the wall clock in µs: every inbox_seq handed out
// before was at most the previous floor (0, or an earlier clock) plus the
// user's entries since, which stays below it unless a user got over 1000
// entries per ms on average.
//
// Gateways race to seed: each first takes a claim in Redis (SET NX PX), and
// the floor is set by a script only while the claim holds. A claim taken
// before the MySQL record was made is the proof that Redis lost nothing
// since, so 0 is written only by the gateway that made the record, and only
// if Redis kept its claim meanwhile. The others wait for the floor.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <random>

#include "mysql/pool.h"
#include "redis/client.h"
#include "redis/script.h"
#include "store/cluster/redis_mysql_store.h"

namespace parley::store {
namespace {

using namespace std::chrono_literals;

// Long enough for one MySQL insert; a claim left by a dead gateway blocks
// the others no longer than this.
constexpr std::chrono::milliseconds kClaimTtl = 3s;
constexpr std::chrono::milliseconds kWaitStep = 10ms;

enum class InboxHistory {
  kNone,  // Redis never held inbox state: recorded now that it will
  kHeld,  // Redis held inbox state before
};

base::Result<InboxHistory> RecordInboxState(mysql::Session& session) {
  PARLEY_ASSIGN_OR_RETURN(mysql::QueryResult r,
                          session.Execute("INSERT IGNORE INTO cluster_state (name, value) "
                                          "VALUES ('inbox_state', 0)"));
  return r.affected_rows == 1 ? InboxHistory::kNone : InboxHistory::kHeld;
}

std::string ClaimToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng());
}

}  // namespace

asio::awaitable<base::Result<void>> RedisMysqlStore::SeedInboxFloor() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const std::string token = ClaimToken();
  const auto deadline = std::chrono::steady_clock::now() + kClaimTtl + 1s;
  for (;;) {
    redis::Args claim = {"SET", keys_.InboxFloorClaim(), token, "NX", "PX",
                         std::to_string(kClaimTtl.count())};
    base::Result<redis::Reply> claimed = co_await redis_->Command(std::move(claim));
    if (!claimed) co_return claimed.error();
    if (claimed->IsError()) {
      co_return base::MakeError(base::Code::kInternal, "redis: " + claimed->DebugString());
    }
    if (claimed->IsStatus()) break;  // "OK": ours
    // Another gateway is choosing the floor.
    timer.expires_after(kWaitStep);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    redis::Args get = {"GET", keys_.InboxFloor()};
    base::Result<redis::Reply> floor = co_await redis_->Command(std::move(get));
    if (!floor) co_return floor.error();
    if (floor->IsString()) co_return base::Result<void>{};
    if (std::chrono::steady_clock::now() > deadline) {
      co_return base::MakeError(base::Code::kUnavailable,
                                "store unavailable: the inbox floor is being seeded, retry");
    }
  }

  base::Result<InboxHistory> history = co_await pool_->Run(RecordInboxState);
  Note(history);
  if (!history) {
    auto release = unlock_script_->Run(*redis_, {keys_.InboxFloorClaim()}, {token});
    (void)co_await std::move(release);  // else it expires by itself
    co_return history.error();
  }
  std::int64_t floor = 0;
  if (*history == InboxHistory::kHeld) {
    floor = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  }
  // Answers 0 when the claim is gone (expired, or lost with Redis's data):
  // nothing is set and the append's script asks again.
  auto set = set_floor_script_->Run(*redis_, {keys_.InboxFloorClaim(), keys_.InboxFloor()},
                                    {token, std::to_string(floor)});
  base::Result<redis::Reply> reply = co_await std::move(set);
  if (!reply) co_return reply.error();
  co_return base::Result<void>{};
}

asio::awaitable<std::optional<base::Result<void>>>
RedisMysqlStore::RecordInboxStateOfAnOlderVersion() {
  redis::Args get = {"GET", keys_.InboxFloor()};
  base::Result<redis::Reply> floor = co_await redis_->Command(std::move(get));
  if (!floor) co_return base::Result<void>(floor.error());
  if (!floor->IsString()) co_return base::Result<void>{};
  base::Result<InboxHistory> recorded = co_await pool_->Run(RecordInboxState);
  if (!recorded) co_return base::Result<void>(recorded.error());
  co_return base::Result<void>{};
}

}  // namespace parley::store
