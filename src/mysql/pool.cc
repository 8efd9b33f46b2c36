#include "mysql/pool.h"

#include <mysql.h>

#include <stdexcept>

namespace parley::mysql {

Pool::Pool(Options options) : options_(std::move(options)) {
  if (options_.threads == 0) throw std::invalid_argument("mysql pool: threads must be positive");
  if (options_.max_queue == 0)
    throw std::invalid_argument("mysql pool: max_queue must be positive");
  InitLibrary();
  workers_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { Work(); });
}

Pool::~Pool() { Close(); }

void Pool::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void Pool::Submit(std::unique_ptr<detail::Job> job) {
  const char* refusal = nullptr;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      refusal = "mysql pool closed";
    } else if (queue_.size() >= options_.max_queue) {
      refusal = "mysql overloaded";
    } else {
      queue_.push_back(std::move(job));
      // Under the lock: once it is released, Close() and the destructor may
      // run to the end on another thread, and cv_ be gone (ThreadSanitizer).
      cv_.notify_one();
    }
  }
  if (!refusal) return;
  // Refused on the caller's thread; the Completion still resumes the caller
  // by posting, never inline.
  job->Run(base::MakeError(base::Code::kUnavailable, refusal), detail::Connection::kFresh);
}

void Pool::Work() {
  mysql_thread_init();
  {
    Session session(options_);
    (void)session.EnsureConnected();  // early, so the first query does not pay
    for (;;) {
      std::unique_ptr<detail::Job> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
        // Drains the queue before leaving: every caller gets an answer.
        if (queue_.empty()) break;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      const detail::Connection connection =
          session.connected() ? detail::Connection::kReused : detail::Connection::kFresh;
      base::Result<void> ready = session.EnsureConnected();
      if (ready) {
        job->Run(&session, connection);
      } else {
        job->Run(ready.error(), connection);
      }
    }
  }
  mysql_thread_end();
}

asio::awaitable<base::Result<QueryResult>> Pool::Execute(std::string sql) {
  auto run = Run([sql = std::move(sql)](Session& session) { return session.Execute(sql); });
  co_return co_await std::move(run);
}

asio::awaitable<base::Result<QueryResult>> Pool::Execute(std::string sql,
                                                         std::vector<Param> params) {
  auto run = Run([sql = std::move(sql), params = std::move(params)](Session& session) {
    return session.Execute(sql, params);
  });
  co_return co_await std::move(run);
}

}  // namespace parley::mysql
