#include "store/cluster/group_committer.h"

#include "base/clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace parley::store {
namespace {

base::Error Unavailable(std::string why) {
  return base::MakeError(base::Code::kUnavailable, "store unavailable: " + std::move(why));
}

}  // namespace

GroupCommitter::GroupCommitter(mysql::Pool& pool, asio::any_io_executor executor,
                               const ClusterStoreOptions& options, base::Metrics& metrics)
    : pool_(pool),
      executor_(executor),
      options_(options),
      metrics_(metrics),
      wake_(executor, Clock::time_point::max()) {
  asio::co_spawn(executor_, Run(), asio::detached);
}

GroupCommitter::~GroupCommitter() { Close(); }

asio::awaitable<base::Result<ItemOutcome>> GroupCommitter::Commit(CommitItem item) {
  auto start = [this, item = std::move(item)](base::Completion<ItemOutcome> done) mutable {
    {
      std::lock_guard lock(mu_);
      if (closing_) return std::move(done)(Unavailable("store closed"));
      if (queue_.size() >= options_.max_pending_appends) {
        return std::move(done)(Unavailable("commit queue full"));
      }
      queue_.push_back(Entry{std::move(item), std::move(done), Clock::now()});
    }
    Wake();
  };
  auto suspended = base::Suspend<ItemOutcome>(std::move(start));
  co_return co_await std::move(suspended);
}

void GroupCommitter::Wake() {
  asio::post(executor_, [this] { wake_.cancel(); });
}

void GroupCommitter::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    closing_ = true;
  }
  Wake();
  stopped_.get_future().wait();
}

asio::awaitable<void> GroupCommitter::Run() {
  for (;;) {
    std::deque<Entry> batch;
    bool closing = false;
    {
      std::lock_guard lock(mu_);
      closing = closing_;
      while (!queue_.empty() && batch.size() < options_.max_batch_rows) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch.empty()) {
      if (closing) break;
      wake_.expires_at(Clock::time_point::max());
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (options_.commit_interval.count() > 0 && batch.size() < options_.max_batch_rows &&
        !closing) {
      // Linger for more appends to share this transaction.
      wake_.expires_after(options_.commit_interval);
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
      std::lock_guard lock(mu_);
      while (!queue_.empty() && batch.size() < options_.max_batch_rows) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    co_await WriteOne(std::move(batch));
  }
  stopped_.set_value();
}

asio::awaitable<void> GroupCommitter::WriteOne(std::deque<Entry> batch) {
  const Clock::time_point cutoff = Clock::now() - options_.commit_deadline;
  std::vector<Entry*> live;
  std::vector<const CommitItem*> items;
  for (Entry& entry : batch) {
    if (entry.queued < cutoff) {
      std::move(entry.done)(Unavailable("commit queue too slow"));
      continue;
    }
    live.push_back(&entry);
    items.push_back(&entry.item);
  }
  if (items.empty()) co_return;

  // Half the readers' hole timeout (batch_writer.h): the other half bounds
  // the transaction between a reclaim's check and its COMMIT.
  const std::chrono::milliseconds late_limit = options_.hole_timeout / 2;
  const std::int64_t now_ms = base::SystemClock().NowMs();
  auto write = [&items, late_limit, now_ms](mysql::Session& session) {
    return WriteBatch(session, items, late_limit, now_ms);
  };
  base::Result<std::vector<ItemOutcome>> outcomes = co_await pool_.Transaction(std::move(write));
  base::Bump(metrics_.store_batches_total);
  metrics_.store_batch_size.Observe(items.size());
  // One post per I/O thread for the whole batch (base/completion.h); no
  // co_await while it lives, or another coroutine of this thread would join it.
  base::CompletionBatch completions;
  for (std::size_t i = 0; i < live.size(); ++i) {
    if (!outcomes) {
      std::move(live[i]->done)(Unavailable(outcomes.error().message));
    } else {
      std::move(live[i]->done)(std::move((*outcomes)[i]));
    }
  }
}

}  // namespace parley::store
