#pragma once
// IoThread: an io_context with one thread of its own, and a stop that lets it
// finish what it was asked to do last.
//
// Why not io_context::stop(): closing a Redis connection is a handler posted
// to its strand, and that handler is what answers the commands in flight.
// Each unanswered command holds its caller's coroutine, and that coroutine
// holds the connection, so a stop() that lands before the handler runs leaves
// a cycle no destructor breaks (LeakSanitizer found one at every such exit).
// Stop(grace) instead lets the loop run out of work, and stops it only if that
// takes longer than `grace`: a loop that never ends (a bug) cannot hold up
// the process's exit.
//
// Threads: construct, Stop and destroy from one thread; executor() from any.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

namespace parley::base {

class IoThread {
 public:
  // `name` is for the log line when the grace runs out.
  explicit IoThread(std::string name);
  ~IoThread();  // Stop(0) unless stopped
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& context() { return io_; }
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }

  // What a backend gets to close its connections and answer their callers.
  static constexpr std::chrono::milliseconds kStopGrace{1000};

  // Lets the loop finish its work for at most `grace`, then stops it and
  // joins the thread. The io_context stays (with what it still holds) until
  // this object is destroyed. Idempotent.
  void Stop(std::chrono::milliseconds grace = kStopGrace);

 private:
  enum class State { kRunning, kStopped };

  const std::string name_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::promise<void> ran_out_;  // set when run() returns
  std::future<void> ran_out_future_;
  std::thread thread_;  // last: starts once everything above exists
  State state_ = State::kRunning;
};

}  // namespace parley::base
