#pragma once
// GroupCommitter: the durable half of Append. Appends whose seq Redis has
// assigned queue here; one writer coroutine takes everything queued (up to
// max_batch_rows, after waiting commit_interval for more) and writes it in
// ONE MySQL transaction (batch_writer.h). Each caller resumes, on its own
// executor, once its batch committed or failed.
//
//   Append (any executor) ──Commit──▶ bounded queue ──▶ writer (backend executor)
//        ▲                                               │ Pool::Transaction(WriteBatch)
//        └──────────── post(outcome) to caller ◀─────────┘
//
// Batches commit one at a time, so within one gateway seqs of a conversation
// commit in order. An append that waited longer than commit_deadline is
// answered 503 without being written: no row lands long after its seq was
// assigned (sql_reads.h relies on it to tell holes from slow commits); a
// retry at a seq reserved earlier checks the rows above it instead
// (batch_writer.h, "reclaimed").
// A failed transaction answers every append in it with 503 and leaves
// nothing behind (rolled back).
//
// Thread contract: Commit may be called from any thread. Close blocks until
// every queued append was answered; call it from a thread that does not run
// the backend executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>

#include "base/error.h"
#include "base/metrics.h"
#include "base/completion.h"
#include "mysql/pool.h"
#include "store/cluster/batch_writer.h"
#include "store/cluster/cluster_options.h"

namespace parley::store {

namespace asio = boost::asio;

class GroupCommitter {
 public:
  // Starts the writer on `executor` (single-threaded: the store's backend).
  GroupCommitter(mysql::Pool& pool, asio::any_io_executor executor,
                 const ClusterStoreOptions& options, base::Metrics& metrics);
  ~GroupCommitter();  // Close()

  asio::awaitable<base::Result<ItemOutcome>> Commit(CommitItem item);
  void Close();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    CommitItem item;
    base::Completion<ItemOutcome> done;
    Clock::time_point queued;
  };

  void Wake();
  asio::awaitable<void> Run();
  asio::awaitable<void> WriteOne(std::deque<Entry> batch);

  mysql::Pool& pool_;
  asio::any_io_executor executor_;
  const ClusterStoreOptions& options_;
  base::Metrics& metrics_;
  asio::steady_timer wake_;  // on executor_ only

  std::mutex mu_;
  std::deque<Entry> queue_;  // guarded by mu_
  bool closing_ = false;     // guarded by mu_
  bool closed_ = false;      // Close() ran
  std::promise<void> stopped_;
};

}  // namespace parley::store
