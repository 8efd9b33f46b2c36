#pragma once
// How a coroutine waiting on work done elsewhere (the store's writer thread,
// a Redis connection's strand, a MySQL worker) gets its answer: its
// completion handler and its executor are handed to whoever does the work,
// and the result is posted back to that executor, so the caller always
// resumes on its own executor (docs/design.md "Threads").

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>
#include <vector>

#include "base/error.h"

namespace parley::base {

namespace asio = boost::asio;

// While one lives on a thread, the completions made on that thread are held
// and, when it ends, posted as one handler per executor that runs them in
// order. A writer that completes a whole batch inside one (the store's group
// commit) thus wakes each I/O thread once instead of once per caller, and
// that thread resumes every caller of the batch back to back: what they push
// to other connections is all queued before any of those writes (docs/design.md
// "Fan-out": one writev per connection for a batch). Nested batches
// join the outer one.
//
// Threads: one thread; not movable.
class CompletionBatch {
 public:
  CompletionBatch();
  ~CompletionBatch();
  CompletionBatch(const CompletionBatch&) = delete;
  CompletionBatch& operator=(const CompletionBatch&) = delete;

  // The innermost batch of this thread, or nullptr.
  static CompletionBatch* Current();
  // Runs `fn` on `executor` when the batch ends (an outstanding-work
  // executor keeps its io_context running until then).
  void Add(asio::any_io_executor executor, asio::any_completion_handler<void()> fn);

 private:
  struct Group {
    asio::any_io_executor executor;
    std::vector<asio::any_completion_handler<void()>> fns;
  };
  CompletionBatch* outer_;
  std::vector<Group> groups_;  // few: one per I/O thread
};

// Owns a caller's handler until its result is known. Tracks the caller's
// executor as outstanding work so its io_context::run() does not return while
// the caller waits. Completes exactly once, from any thread, always by
// posting (never inline, even when refused inside the initiation); inside a
// CompletionBatch, with the batch's post.
template <class T>
class Completion {
 public:
  using Handler = asio::any_completion_handler<void(base::Result<T>)>;

  Completion(Handler handler, const asio::any_io_executor& executor)
      : work_(asio::prefer(executor, asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  void operator()(base::Result<T> result) && {
    auto resume = [handler = std::move(handler_), result = std::move(result)]() mutable {
      std::move(handler)(std::move(result));
    };
    if (CompletionBatch* batch = CompletionBatch::Current()) {
      batch->Add(std::move(work_), std::move(resume));
    } else {
      asio::post(work_, std::move(resume));
    }
  }

 private:
  asio::any_io_executor work_;
  Handler handler_;
};

// Suspends the calling coroutine and calls `start(Completion<T>)` at once, on
// the caller's thread; whoever ends up owning the Completion resumes it.
template <class T, class Start>
asio::awaitable<base::Result<T>> Suspend(Start start) {
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(base::Result<T>)>(
      [](auto handler, Start s) {
        // The caller's executor, taken before the handler's type is erased.
        const asio::any_io_executor executor = asio::get_associated_executor(handler);
        std::move(s)(Completion<T>(typename Completion<T>::Handler(std::move(handler)), executor));
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace parley::base
