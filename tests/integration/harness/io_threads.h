#pragma once
// Runs coroutines for the database client tests: a client lives on one
// io_context's threads, its callers on another's, so that the tests see on
// which thread a caller resumes.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <type_traits>
#include <vector>

namespace parley::testing {

namespace asio = boost::asio;

// An io_context run by `threads` threads until destruction.
class IoThreads {
 public:
  explicit IoThreads(int threads = 1) : work_(asio::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        ++finished_;
      });
    }
  }
  // Lets run() return by itself once everything started on the context has
  // finished (closed clients wind down), so coroutine frames end normally;
  // stops it after 2 s if something is still pending.
  ~IoThreads() {
    work_.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (finished_ < static_cast<int>(threads_.size()) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io_.stop();
    for (std::thread& t : threads_) t.join();
  }
  asio::io_context& io() { return io_; }
  asio::any_io_executor executor() { return io_.get_executor(); }
  bool RunsOnThisThread() const {
    for (const std::thread& t : threads_) {
      if (t.get_id() == std::this_thread::get_id()) return true;
    }
    return false;
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::atomic<int> finished_{0};
};

template <class T>
asio::awaitable<void> SetPromise(asio::awaitable<T> coroutine, std::promise<T>* out) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(coroutine);
    out->set_value();
  } else {
    T value = co_await std::move(coroutine);
    out->set_value(std::move(value));
  }
}

// Runs `coroutine` on `io` and waits (at most 60 s) for its result. Through
// a promise rather than asio::use_future, which needs a default-constructible
// T (base::Result<T> is not).
template <class T>
T RunOn(IoThreads& io, asio::awaitable<T> coroutine) {
  std::promise<T> promise;
  std::future<T> result = promise.get_future();
  asio::co_spawn(io.io(), SetPromise(std::move(coroutine), &promise), asio::detached);
  if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "coroutine did not finish within 60 s";
    std::abort();  // its frame still references the test's state
  }
  return result.get();
}

// ASSERT_* for coroutines, which cannot `return`: records the failure and
// leaves the coroutine.
#define PARLEY_CO_ASSERT(condition)                      \
  do {                                                   \
    const bool parley_ok = static_cast<bool>(condition); \
    EXPECT_TRUE(parley_ok) << #condition;                \
    if (!parley_ok) co_return;                           \
  } while (false)

inline asio::awaitable<void> Sleep(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace parley::testing
