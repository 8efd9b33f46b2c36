#pragma once
// How a coroutine waiting on work done elsewhere (the store's writer thread,
// a Redis connection's strand, a MySQL worker) gets its answer: its
// completion handler and its executor are handed to whoever does the work,
// and the result is posted back to that executor, so the caller always
// resumes on its own executor (DESIGN "Runtime model").

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "base/error.h"

namespace parley::base {

namespace asio = boost::asio;

// Owns a caller's handler until its result is known. Tracks the caller's
// executor as outstanding work so its io_context::run() does not return while
// the caller waits. Completes exactly once, from any thread, always by
// posting (never inline, even when refused inside the initiation).
template <class T>
class Completion {
 public:
  using Handler = asio::any_completion_handler<void(base::Result<T>)>;

  Completion(Handler handler, const asio::any_io_executor& executor)
      : work_(asio::prefer(executor, asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  void operator()(base::Result<T> result) && {
    asio::post(work_, [handler = std::move(handler_), result = std::move(result)]() mutable {
      std::move(handler)(std::move(result));
    });
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
