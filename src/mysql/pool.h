#pragma once
// Pool: MariaDB Connector/C on a few blocking worker threads, one connection
// each (docs/design.md "Threads": work that blocks runs on its own threads and
// completes back on the caller's executor).
//
//   caller coroutine ──Submit──▶ bounded queue ──▶ worker thread + Session
//        ▲                                              │ (blocking calls)
//        └──────── post(result) to caller's executor ◀──┘
//
// Errors are values (see session.h for the codes). Besides those: 503 "mysql
// overloaded" when Options::max_queue queries already wait, 503 "mysql pool
// closed" after Close(). While the server is down every query answers 503
// within about connect_timeout (later ones at once, during the reconnect
// backoff); a query in flight when it dies answers 503 as the socket breaks,
// or after read_timeout when the server hangs. Once the server is back, the
// first job on each idle connection that the restart closed fails with 503,
// unless it is read-only (Access::kReadOnly): that job runs once more on a
// new connection.
//
// Thread contract: Execute, Run and Transaction may be called from any
// thread, concurrently; the awaiting coroutine resumes on its own executor,
// and no MySQL call ever runs on the caller's thread. Close() blocks until
// the queued queries are answered: call it at shutdown, not from a worker.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/error.h"
#include "base/completion.h"
#include "mysql/options.h"
#include "mysql/query_result.h"
#include "mysql/session.h"

namespace parley::mysql {

namespace asio = boost::asio;

// What the work given to Pool::Run does, which says whether it may be run
// twice. After a server restart, a pooled connection that sat idle fails its
// first statement ("server has gone away" / "lost connection") although the
// server is up again. kReadOnly work then runs once more on a new connection;
// kMayWrite work answers 503 as before, because a statement that failed that
// way may still have been applied (an INSERT run twice would answer 409, an
// INSERT IGNORE would report "already there").
enum class Access {
  kMayWrite,  // the default; also every Transaction (its COMMIT may have happened)
  kReadOnly,  // only reads: safe to run twice
};

namespace detail {

// Whether the session was connected before the job came (and may have been
// closed by the server while idle), or connected for this job.
enum class Connection { kFresh, kReused };

// A unit of work for a worker: run with a connected session, or refused
// with the error why there is none.
class Job {
 public:
  virtual ~Job() = default;
  virtual void Run(base::Result<Session*> session, Connection connection) = 0;
};

template <class T, class Fn>
class FnJob final : public Job {
 public:
  FnJob(Fn fn, Access access, base::Completion<T> done)
      : fn_(std::move(fn)), access_(access), done_(std::move(done)) {}

  void Run(base::Result<Session*> session, Connection connection) override {
    if (!session) return std::move(done_)(session.error());
    // The completion must fire exactly once whatever fn does, or its caller
    // would wait forever.
    try {
      std::move(done_)(RunWithOneRerun(**session, connection));
    } catch (const std::exception& e) {
      std::move(done_)(
          base::MakeError(base::Code::kInternal, std::string("mysql job: ") + e.what()));
    }
  }

 private:
  using R = std::invoke_result_t<Fn&, Session&>;

  // fn, and once more on a new connection when read-only work found its
  // reused connection closed by the server. A fresh connection's failure is
  // the server's answer, not a stale socket: never rerun.
  R RunWithOneRerun(Session& session, Connection connection) {
    R result = fn_(session);
    if (result || access_ != Access::kReadOnly || connection != Connection::kReused ||
        !session.connection_lost()) {
      return result;
    }
    base::Result<void> reconnected = session.EnsureConnected();
    if (!reconnected) return reconnected.error();
    return fn_(session);
  }

  Fn fn_;
  const Access access_;
  base::Completion<T> done_;
};

}  // namespace detail

class Pool {
 public:
  // Starts options.threads workers, each connecting at once (a failure is
  // retried when work arrives). Throws std::invalid_argument on zero threads
  // or queue bound.
  explicit Pool(Options options);
  ~Pool();  // Close()
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // One statement as text; for SQL without untrusted input (DDL, constants).
  asio::awaitable<base::Result<QueryResult>> Execute(std::string sql);
  // One statement with `?` placeholders bound to `params` (prepared
  // statement: values never become SQL text).
  asio::awaitable<base::Result<QueryResult>> Execute(std::string sql, std::vector<Param> params);

  // Runs `fn(Session&) -> base::Result<T>` on a worker thread, on one
  // connection, without a transaction. With Access::kReadOnly, fn may run a
  // second time (see Access): pass it only for work that writes nothing.
  template <class Fn, class R = std::invoke_result_t<Fn&, Session&>>
  asio::awaitable<R> Run(Fn fn, Access access = Access::kMayWrite);

  // Runs `fn(Session&) -> base::Result<T>` between BEGIN and COMMIT on one
  // connection; an error from fn (or an exception) rolls back and is
  // returned. A COMMIT that fails returns its error (503 when the connection
  // broke: the outcome is then unknown, callers rely on idempotent writes).
  template <class Fn, class R = std::invoke_result_t<Fn&, Session&>>
  asio::awaitable<R> Transaction(Fn fn);

  void Close();

 private:
  // Queues `job`, or refuses it (503) when closed or full.
  void Submit(std::unique_ptr<detail::Job> job);
  void Work();

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<detail::Job>> queue_;  // guarded by mu_
  bool closed_ = false;                             // guarded by mu_
  std::vector<std::thread> workers_;
};

// BEGIN; fn(session); COMMIT, or ROLLBACK when fn fails or throws.
template <class Fn>
std::invoke_result_t<Fn&, Session&> RunInTransaction(Session& session, Fn& fn) {
  base::Result<QueryResult> begun = session.Execute("BEGIN");
  if (!begun) return begun.error();
  std::invoke_result_t<Fn&, Session&> result = [&] {
    try {
      return fn(session);
    } catch (...) {
      (void)session.Execute("ROLLBACK");
      throw;
    }
  }();
  if (!result) {
    // On a lost connection this fails too; the server then rolls back itself.
    (void)session.Execute("ROLLBACK");
    return result;
  }
  base::Result<QueryResult> committed = session.Execute("COMMIT");
  if (!committed) return committed.error();
  return result;
}

template <class Fn, class R>
asio::awaitable<R> Pool::Run(Fn fn, Access access) {
  using T = typename R::value_type;
  auto start = [this, fn = std::move(fn), access](base::Completion<T> done) mutable {
    Submit(std::make_unique<detail::FnJob<T, Fn>>(std::move(fn), access, std::move(done)));
  };
  auto suspended = base::Suspend<T>(std::move(start));
  co_return co_await std::move(suspended);
}

template <class Fn, class R>
asio::awaitable<R> Pool::Transaction(Fn fn) {
  auto in_transaction = [fn = std::move(fn),
                         latency = options_.transaction_micros](Session& session) mutable -> R {
    const auto start = std::chrono::steady_clock::now();
    R result = RunInTransaction(session, fn);
    if (latency) latency->ObserveMicrosSince(start);
    return result;
  };
  auto run = Run(std::move(in_transaction), Access::kMayWrite);
  co_return co_await std::move(run);
}

}  // namespace parley::mysql
