#include "store/cluster/redis_mysql_store.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <future>
#include <stdexcept>

#include "base/ids.h"
#include "mysql/pool.h"
#include "redis/client.h"
#include "redis/script.h"
#include "store/cluster/conversation_id_migration.h"
#include "store/cluster/group_committer.h"
#include "store/cluster/lua_scripts.h"
#include "store/cluster/schema.h"
#include "store/cluster/outbox_rows.h"
#include "store/cluster/sql_reads.h"

namespace parley::store {
namespace {

base::Error Closed() { return base::MakeError(base::Code::kUnavailable, "store closed"); }

// MySQL counts as down only after failing for this long without a success
// (base/dependency_health.h "Grace"): after a restart each pooled connection
// fails once on its stale socket, and an overloaded pool refuses some queries
// while it serves others; neither is an outage. Two probe periods, so that
// while MySQL is up a success is always this recent.
constexpr std::chrono::milliseconds kMysqlDownGrace{2000};
constexpr std::chrono::milliseconds kProbePeriod{1000};
// After a failed probe: soon again, so that the stale connections of a
// restart are used up (each fails once and reconnects) well within the grace.
constexpr std::chrono::milliseconds kReprobePeriod{250};

// Start-up only: runs `awaitable` on `io` (whose thread is running) and waits.
template <class T>
T RunBlocking(asio::io_context& io, asio::awaitable<T> awaitable) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  asio::co_spawn(io, std::move(awaitable), [promise](std::exception_ptr e, T value) {
    if (e) {
      promise->set_exception(e);
    } else {
      promise->set_value(std::move(value));
    }
  });
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    throw std::runtime_error("timed out");
  }
  return future.get();
}

base::Result<void> CheckConversation(const std::string& conversation_id) {
  if (!base::ParseConversationId(conversation_id)) {
    return base::MakeError(base::Code::kBadRequest, "invalid conversation_id");
  }
  return {};
}

base::Result<void> CheckUser(const std::string& user_id) {
  if (!base::IsValidUserId(user_id)) return base::MakeError(base::Code::kBadRequest, "invalid user_id");
  return {};
}

}  // namespace

std::unique_ptr<RedisMysqlStore> RedisMysqlStore::Open(ClusterStoreOptions options,
                                                       base::Metrics* metrics) {
  if (!metrics) throw std::invalid_argument("RedisMysqlStore::Open: metrics is null");
  // Only the group committer runs transactions: each is one batch's commit.
  options.mysql.transaction_micros = &metrics->store_commit_seconds;
  metrics->store_commit_fed.store(true, std::memory_order_relaxed);
  metrics->store_batch_size_fed.store(true, std::memory_order_relaxed);
  if (!options.clock) throw std::invalid_argument("RedisMysqlStore::Open: clock is null");
  options.redis.health = &metrics->dependencies;
  metrics->dependencies.Track(base::Dependency::kMysql, kMysqlDownGrace);
  if (options.inbox_retention.count() <= 0 || options.max_batch_rows == 0 ||
      options.max_pending_appends == 0 || options.max_inbox_entries == 0) {
    throw std::invalid_argument("RedisMysqlStore::Open: retention and bounds must be positive");
  }
  std::unique_ptr<RedisMysqlStore> store(new RedisMysqlStore(std::move(options), *metrics));
  const ClusterStoreOptions& o = store->options_;
  const std::string redis_at = o.redis_host + ":" + std::to_string(o.redis_port);
  base::Result<std::shared_ptr<redis::Client>> redis =
      RunBlocking(store->backend_.context(), redis::Client::Connect(store->backend_.executor(),
                                                          o.redis_host, o.redis_port, o.redis));
  if (!redis) throw std::runtime_error("cannot connect to redis " + redis_at + ": " +
                                       redis.error().message);
  store->redis_ = std::move(*redis);

  store->pool_ = std::make_unique<mysql::Pool>(o.mysql);
  for (std::string_view statement : SchemaStatements()) {
    base::Result<mysql::QueryResult> created =
        RunBlocking(store->backend_.context(), store->pool_->Execute(std::string(statement)));
    if (!created) {
      throw std::runtime_error("cannot create the schema in mysql " + o.mysql.host + ":" +
                               std::to_string(o.mysql.port) + "/" + o.mysql.database + ": " +
                               created.error().message);
    }
  }
  // Before the store serves: a database written with "private_<a>_<b>" ids.
  auto redis_command = [&store](redis::Args args) -> base::Result<redis::Reply> {
    // Optional: RunBlocking needs a default-constructible result.
    auto command = [](std::shared_ptr<redis::Client> client, redis::Args a)
        -> asio::awaitable<std::optional<base::Result<redis::Reply>>> {
      co_return co_await client->Command(std::move(a));
    };
    return *RunBlocking(store->backend_.context(), command(store->redis_, std::move(args)));
  };
  MigrateClusterConversationIds(o.mysql, redis_command, o.key_prefix);
  base::Result<void> recorded = *RunBlocking(store->backend_.context(),
                                             store->RecordInboxStateOfAnOlderVersion());
  if (!recorded) {
    throw std::runtime_error("cannot record the inbox state in mysql: " +
                             recorded.error().message);
  }
  store->committer_ =
      std::make_unique<GroupCommitter>(*store->pool_, store->backend_.executor(), o, *metrics);
  asio::co_spawn(store->backend_.executor(), store->ProbeMysql(), asio::detached);
  return store;
}

RedisMysqlStore::RedisMysqlStore(ClusterStoreOptions options, base::Metrics& metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      keys_(options_.key_prefix),
      append_script_(std::make_unique<redis::Script>(lua::AppendScript())),
      change_script_(std::make_unique<redis::Script>(lua::ChangeScript())),
      seed_group_script_(std::make_unique<redis::Script>(lua::SeedGroupScript())),
      unlock_script_(std::make_unique<redis::Script>(lua::UnlockScript())),
      undo_change_script_(std::make_unique<redis::Script>(lua::UndoChangeScript())),
      set_floor_script_(std::make_unique<redis::Script>(lua::SetFloorScript())) {}

RedisMysqlStore::~RedisMysqlStore() { Close(); }

void RedisMysqlStore::Close() {
  if (closed_.exchange(true)) return;
  if (committer_) committer_->Close();  // answers every queued append first
  if (redis_) redis_->Close();
  if (pool_) pool_->Close();
  asio::post(probe_timer_.get_executor(), [this] { probe_timer_.cancel(); });
  // What Close set going (the Redis connection answering its commands in
  // flight, the reconnect loop ending) runs before the thread stops.
  backend_.Stop();
}

bool RedisMysqlStore::Healthy() const {
  return !closed_ && redis_ && redis_->connected() &&
         metrics_.dependencies.IsUp(base::Dependency::kMysql);
}

asio::awaitable<void> RedisMysqlStore::ProbeMysql() {
  while (!closed_) {
    base::Result<mysql::QueryResult> pong = co_await pool_->Execute("SELECT 1");
    if (closed_) co_return;  // "mysql pool closed" is no outage
    Note(pong);
    probe_timer_.expires_after(pong ? kProbePeriod : kReprobePeriod);
    co_await probe_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void RedisMysqlStore::CacheMembers(const std::string& group_id, const std::string& token,
                                   core::MemberList members) {
  constexpr std::size_t kMaxCachedGroups = 100000;
  std::lock_guard lock(cache_mu_);
  if (member_cache_.size() >= kMaxCachedGroups) member_cache_.clear();
  member_cache_.insert_or_assign(group_id, CachedGroup{token, std::move(members)});
}

// ---- Store methods that MySQL serves alone ---------------------------------
// Reads, and the two writes that need no Redis state: CreateUser and Ack.
// Messages and group changes are written by Append (append_flow.cc).

asio::awaitable<base::Result<void>> RedisMysqlStore::CreateUser(core::UserRecord user) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(user.user_id));
  auto create = [user = std::move(user)](mysql::Session& s) { return sql::CreateUser(s, user); };
  base::Result<void> created = co_await pool_->Run(std::move(create));
  Note(created);
  co_return created;
}

asio::awaitable<base::Result<core::UserRecord>> RedisMysqlStore::UpdateUser(
    core::UserUpdate update) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(update.user_id));
  auto apply = [update = std::move(update)](mysql::Session& s) { return sql::UpdateUser(s, update); };
  base::Result<core::UserRecord> updated = co_await pool_->Run(std::move(apply));
  Note(updated);
  co_return updated;
}

asio::awaitable<base::Result<core::UserRecord>> RedisMysqlStore::FindUser(std::string user_id) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(user_id));
  auto find = [user_id = std::move(user_id)](mysql::Session& s) { return sql::FindUser(s, user_id); };
  base::Result<core::UserRecord> found =
      co_await pool_->Run(std::move(find), mysql::Access::kReadOnly);
  Note(found);
  co_return found;
}

asio::awaitable<base::Result<core::MessagePage>> RedisMysqlStore::ReadAfter(
    std::string conversation_id, std::int64_t after_seq, std::size_t limit) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckConversation(conversation_id));
  const auto executor = co_await asio::this_coro::executor;
  for (int attempt = 0;; ++attempt) {
    auto read = [&conversation_id, after_seq, limit, hole = options_.hole_timeout](mysql::Session& s) {
      return sql::ReadAfter(s, conversation_id, after_seq, limit, hole);
    };
    base::Result<sql::TimelinePage> page =
        co_await pool_->Run(std::move(read), mysql::Access::kReadOnly);
    Note(page);
    if (!page) co_return page.error();
    if (!page->stopped_at_gap || !page->page.messages.empty() || attempt == 4) {
      co_return std::move(page->page);
    }
    // Nothing readable yet: the next seq is being committed by another
    // gateway, which takes a few ms. Waiting here beats a client polling.
    asio::steady_timer timer(executor, std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<base::Result<core::MessagePage>> RedisMysqlStore::ReadBefore(
    std::string conversation_id, std::int64_t before_seq, std::size_t limit) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckConversation(conversation_id));
  auto read = [&conversation_id, before_seq, limit, hole = options_.hole_timeout](mysql::Session& s) {
    return sql::ReadBefore(s, conversation_id, before_seq, limit, hole);
  };
  base::Result<sql::TimelinePage> page =
      co_await pool_->Run(std::move(read), mysql::Access::kReadOnly);
  Note(page);
  if (!page) co_return page.error();
  co_return std::move(page->page);
}

asio::awaitable<base::Result<std::int64_t>> RedisMysqlStore::MaxSeq(std::string conversation_id) {
  if (closed_) co_return Closed();
  auto read = [&conversation_id](mysql::Session& s) { return sql::MaxSeq(s, conversation_id); };
  base::Result<std::int64_t> max = co_await pool_->Run(std::move(read), mysql::Access::kReadOnly);
  Note(max);
  co_return max;
}

asio::awaitable<base::Result<std::int64_t>> RedisMysqlStore::Ack(std::string user_id,
                                                                 std::string conversation_id,
                                                                 std::int64_t seq) {
  return MovePosition(std::move(user_id), std::move(conversation_id), seq, sql::AckColumn::kRead);
}

asio::awaitable<base::Result<std::int64_t>> RedisMysqlStore::AckDelivered(
    std::string user_id, std::string conversation_id, std::int64_t seq) {
  return MovePosition(std::move(user_id), std::move(conversation_id), seq,
                      sql::AckColumn::kDelivered);
}

asio::awaitable<base::Result<std::int64_t>> RedisMysqlStore::MovePosition(
    std::string user_id, std::string conversation_id, std::int64_t seq, sql::AckColumn column) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(user_id));
  PARLEY_CO_RETURN_IF_ERROR(CheckConversation(conversation_id));
  if (seq < 0) co_return base::MakeError(base::Code::kBadRequest, "invalid seq");
  auto ack = [&](mysql::Session& s) { return sql::Ack(s, user_id, conversation_id, seq, column); };
  base::Result<std::int64_t> position = co_await pool_->Run(std::move(ack));
  Note(position);
  co_return position;
}

asio::awaitable<base::Result<std::vector<core::ReceiptPositions>>>
RedisMysqlStore::ReadReceipts(std::string conversation_id, std::vector<std::string> user_ids) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckConversation(conversation_id));
  for (const std::string& user : user_ids) PARLEY_CO_RETURN_IF_ERROR(CheckUser(user));
  auto read = [&](mysql::Session& s) { return sql::ReadReceipts(s, conversation_id, user_ids); };
  base::Result<std::vector<core::ReceiptPositions>> receipts =
      co_await pool_->Run(std::move(read), mysql::Access::kReadOnly);
  Note(receipts);
  co_return receipts;
}

asio::awaitable<base::Result<std::vector<core::OutboxEntry>>> RedisMysqlStore::ClaimOutbox(
    std::string owner, std::size_t limit, std::chrono::milliseconds lease) {
  if (closed_) co_return Closed();
  const std::int64_t now = options_.clock->NowMs();
  auto claim = [&](mysql::Session& s) { return sql::ClaimOutbox(s, owner, limit, lease, now); };
  base::Result<std::vector<core::OutboxEntry>> claimed =
      co_await pool_->Transaction(std::move(claim));
  Note(claimed);
  co_return claimed;
}

asio::awaitable<base::Result<void>> RedisMysqlStore::FinishOutbox(std::vector<std::int64_t> ids) {
  if (closed_) co_return Closed();
  auto finish = [&](mysql::Session& s) { return sql::FinishOutbox(s, ids); };
  base::Result<void> done = co_await pool_->Run(std::move(finish));
  Note(done);
  co_return done;
}

asio::awaitable<base::Result<void>> RedisMysqlStore::PostponeOutbox(std::vector<std::int64_t> ids,
                                                                    std::int64_t next_attempt_at) {
  if (closed_) co_return Closed();
  auto postpone = [&](mysql::Session& s) { return sql::PostponeOutbox(s, ids, next_attempt_at); };
  base::Result<void> done = co_await pool_->Transaction(std::move(postpone));
  Note(done);
  co_return done;
}

asio::awaitable<base::Result<std::vector<core::ConversationState>>>
RedisMysqlStore::ListConversations(std::string user_id) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(user_id));
  auto list = [&user_id](mysql::Session& s) { return sql::ListConversations(s, user_id); };
  base::Result<std::vector<core::ConversationState>> states =
      co_await pool_->Run(std::move(list), mysql::Access::kReadOnly);
  Note(states);
  co_return states;
}

asio::awaitable<base::Result<core::GroupInfo>> RedisMysqlStore::GetGroup(std::string group_id) {
  if (closed_) co_return Closed();
  if (!base::IsValidGroupId(group_id)) {
    co_return base::MakeError(base::Code::kBadRequest, "invalid group_id");
  }
  auto load = [&group_id](mysql::Session& s) { return sql::LoadGroup(s, group_id); };
  base::Result<GroupPtr> group = co_await pool_->Run(std::move(load), mysql::Access::kReadOnly);
  Note(group);
  if (!group) co_return group.error();
  if (!*group) co_return base::MakeError(base::Code::kNotFound, "no such group");
  co_return (*group)->info;
}

asio::awaitable<base::Result<std::vector<core::GroupInfo>>> RedisMysqlStore::GroupsOf(
    std::string user_id) {
  if (closed_) co_return Closed();
  PARLEY_CO_RETURN_IF_ERROR(CheckUser(user_id));
  auto list = [&user_id](mysql::Session& s) { return sql::GroupsOf(s, user_id); };
  base::Result<std::vector<core::GroupInfo>> groups =
      co_await pool_->Run(std::move(list), mysql::Access::kReadOnly);
  Note(groups);
  co_return groups;
}

}  // namespace parley::store
