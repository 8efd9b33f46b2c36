#pragma once
// Sessions for callers that already run on threads of their own and may
// block there (the media workers, whose jobs are blocking by contract):
// Run borrows a connected Session, runs the work on the calling thread and
// gives the session back. Pool (pool.h) is for coroutines on I/O threads;
// this is for threads that would otherwise hand the work to a Pool thread
// and sit waiting for it.
//
// At most Options::threads sessions exist; a caller finding all of them
// busy waits for one. Work that finds its reused connection closed by a
// server restart runs once more on a new connection, so Run takes only
// idempotent work (reads, INSERT IGNORE, DELETE by key).
//
// Errors: those of session.h; 503 when no connection can be made.
//
// Threads: Run may be called from any non-I/O thread, concurrently.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "base/error.h"
#include "mysql/options.h"
#include "mysql/session.h"

namespace parley::mysql {

class BlockingSessions {
 public:
  // Throws std::invalid_argument on zero threads.
  explicit BlockingSessions(Options options);
  ~BlockingSessions();
  BlockingSessions(const BlockingSessions&) = delete;
  BlockingSessions& operator=(const BlockingSessions&) = delete;

  // fn(Session&) -> base::Result<T>, idempotent.
  template <class Fn, class R = std::invoke_result_t<Fn&, Session&>>
  R Run(Fn fn) {
    std::unique_ptr<Session> session = Take();
    const bool reused = session->connected();
    R result = [&]() -> R {
      base::Result<void> ready = session->EnsureConnected();
      if (!ready) return ready.error();
      R first = fn(*session);
      if (first || !reused || !session->connection_lost()) return first;
      base::Result<void> again = session->EnsureConnected();
      if (!again) return again.error();
      return fn(*session);
    }();
    Give(std::move(session));
    return result;
  }

 private:
  std::unique_ptr<Session> Take();
  void Give(std::unique_ptr<Session> session);

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Session>> idle_;  // guarded by mu_
  std::size_t made_ = 0;                        // guarded by mu_
};

}  // namespace parley::mysql
