#pragma once
// A small pool of threads for the blocking media work (fsync, libmagic,
// libvips, catalog files), so no I/O thread waits on a disk or decodes an
// image. Its size bounds how many such jobs run at once; waiting jobs are
// bounded by the callers (each HTTP upload or CHAT waits for its own job).
//
// Threads: Run may be called from any coroutine; `job` runs on a pool
// thread; the coroutine resumes on its own executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace parley::media {

namespace asio = boost::asio;

class Workers {
 public:
  explicit Workers(std::size_t threads);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Runs `job` (a callable returning a value) on the pool and returns its
  // result. `job` must not throw.
  template <class Job>
  asio::awaitable<std::invoke_result_t<Job>> Run(Job job) {
    using R = std::invoke_result_t<Job>;
    auto initiate = [this, &job](auto handler) {
      asio::post(pool_, [job = std::move(job), handler = std::move(handler)]() mutable {
        R result = job();
        auto executor = asio::get_associated_executor(handler);
        asio::post(executor, [handler = std::move(handler), result = std::move(result)]() mutable {
          std::move(handler)(std::move(result));
        });
      });
    };
    R result = co_await asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
        initiate, asio::use_awaitable);
    co_return result;
  }

  // Finishes queued jobs and joins the threads (shutdown).
  void Join();

 private:
  asio::thread_pool pool_;
};

}  // namespace parley::media
